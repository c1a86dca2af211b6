export { type ApiAppOptions, type ApiModel, buildApiApp } from './buildApiApp';
export {
  DendriteGateway,
  type DendriteGatewayOptions,
  GatewayRefused,
  GatewayUnavailable,
  type ImageResult,
  type MinerGateway,
  type TextTask,
} from './minerGateway';
export { openApiDocument } from './openApiDocument';
export {
  type ChatCompletionRequest,
  type CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  IMAGE_ENDPOINTS,
  type ImageEndpoint,
} from './requestSchemas';
export { startOrganicApi } from './startOrganicApi';
