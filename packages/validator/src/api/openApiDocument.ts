/** The organic API's OpenAPI 3.1 document, its request bodies generated from the zod schemas. */
import { z } from 'zod';
import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  IMAGE_ENDPOINTS,
} from './requestSchemas';

const errorResponse = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              message: { type: 'string' },
              type: { type: 'string' },
              param: { type: ['string', 'null'] },
              code: { type: ['string', 'null'] },
            },
            required: ['message', 'type'],
          },
        },
        required: ['error'],
      },
    },
  },
});

const common = {
  '400': errorResponse('the request is invalid; `error.param` names the field'),
  '401': errorResponse('missing, unknown or revoked API key'),
  '429': errorResponse("over the key's rate limit; see the Retry-After header (seconds)"),
  '503': errorResponse('no miner could answer'),
};

function body(schema: z.ZodType) {
  return {
    required: true,
    content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/v1/chat/completions': {
      post: {
        summary: 'Chat completion (OpenAI-compatible; `stream: true` for server-sent events)',
        requestBody: body(chatCompletionRequestSchema),
        responses: {
          '200': { description: 'chat.completion, or chat.completion.chunk events' },
          ...common,
        },
      },
    },
    '/v1/completions': {
      post: {
        summary: 'Text completion (OpenAI-compatible; `stream: true` for server-sent events)',
        requestBody: body(completionRequestSchema),
        responses: { '200': { description: 'text_completion, or its chunk events' }, ...common },
      },
    },
    '/v1/models': {
      get: {
        summary: 'The models this validator sells',
        responses: { '200': { description: 'a list of models' }, '401': common['401'] },
      },
    },
  };
  for (const [name, endpoint] of Object.entries(IMAGE_ENDPOINTS)) {
    paths[`/v1/${name}`] = {
      post: {
        summary: `${endpoint.def.name}: the image as base64 with its seed`,
        requestBody: body(endpoint.schema),
        responses: { '200': { description: 'the image' }, ...common },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Subnet validator organic API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
