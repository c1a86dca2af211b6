/**
 * The organic API (fastify): OpenAI-compatible chat and text completions (whole, or streamed as
 * server-sent events in OpenAI's chunk format), the model list, and the image endpoints. Every
 * `/v1` route takes an API key as `Authorization: Bearer <key>`: unknown or revoked keys get 401,
 * a key over its rate limit 429 with `Retry-After`. Bodies are checked against the protocol's task
 * bounds (400 naming the field); the work goes to miners through a `MinerGateway`, and what a
 * request consumed is added to its key's usage. With `observability`, the same server also answers
 * `/metrics`, `/healthz` and the status page (src/status/).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { SEED_MAX } from '@subnet/protocol/tasks';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ApiKeyInfo, ApiKeys } from '../apiKeys/apiKeyService';
import { addObservability, type ObservabilityOptions } from '../status/observabilityRoutes';
import {
  GatewayRefused,
  GatewayUnavailable,
  type MinerGateway,
  type TextTask,
} from './minerGateway';
import { openApiDocument } from './openApiDocument';
import {
  type CompletionMeta,
  sse,
  streamChunk,
  type TextKind,
  wholeCompletion,
} from './openaiFormat';
import {
  type ChatCompletionRequest,
  type CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  firstIssue,
  IMAGE_ENDPOINTS,
  type ImageEndpoint,
  imageRequestProblem,
} from './requestSchemas';

export interface ApiModel {
  id: string;
  /** What the model does: `text` (chat and completions) or `image`. */
  kind: 'text' | 'image';
}

export interface ApiAppOptions {
  apiKeys: ApiKeys;
  gateway: MinerGateway;
  models: readonly ApiModel[];
  logger: Logger;
  /** Seeds for requests without one (default: random in the protocol's range). */
  seed?: () => number;
  now?: () => number;
  /** `/metrics`, `/healthz` and the status page (`/status`, `/status.json`), read from storage. */
  observability?: ObservabilityOptions;
  /**
   * Whether an image model takes no guidance (a Flux-class model without a guidance embedding):
   * its requests run at cfg_scale 1, and one asking for more is a 400 naming `cfg_scale`.
   */
  unguided?: (model: string) => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyInfo;
  }
}

function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
) {
  return { error: { message, type, param, code } };
}

function parseBody<S extends z.ZodType>(
  schema: S,
  request: FastifyRequest,
  reply: FastifyReply,
): z.output<S> | undefined {
  const parsed = schema.safeParse(request.body ?? {});
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error);
  void reply.code(400).send(errorBody(issue.message, 'invalid_request_error', issue.field));
  return undefined;
}

/** Seconds a client is told to wait after a 503 (no miner could take the request). */
const UNAVAILABLE_RETRY_S = 5;

/**
 * Errors fastify raises before a handler runs, in OpenAI's shape: a body that is not JSON or is
 * too large, an unsupported content type. Anything else is a 500 whose details stay in the log.
 */
function transportError(
  err: { statusCode?: number; code?: string; message: string },
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const status = err.statusCode ?? 500;
  if (status === 413) {
    return reply
      .code(413)
      .send(
        errorBody('the request body is too large', 'invalid_request_error', null, 'body_too_large'),
      );
  }
  if (status === 415) {
    return reply
      .code(415)
      .send(
        errorBody(
          'send the body as JSON (content-type: application/json)',
          'invalid_request_error',
          null,
          'unsupported_media_type',
        ),
      );
  }
  if (status >= 400 && status < 500) {
    const json = err.code?.startsWith('FST_ERR_CTP') ?? false;
    return reply
      .code(400)
      .send(
        errorBody(
          json ? `the body is not valid JSON: ${err.message}` : err.message,
          'invalid_request_error',
          null,
          json ? 'invalid_json' : null,
        ),
      );
  }
  request.log.error({ err }, 'organic API error');
  return reply.code(500).send(errorBody('internal error', 'server_error'));
}

export function buildApiApp(options: ApiAppOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger.child({ module: 'api' }) as FastifyBaseLogger,
    bodyLimit: 32 * 1024 * 1024,
  });
  const seed = options.seed ?? (() => randomInt(0, SEED_MAX + 1));
  const now = options.now ?? Date.now;
  if (options.observability) addObservability(app, options.observability);

  app.setErrorHandler(transportError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          `no route ${request.method} ${request.url.split('?')[0]}`,
          'invalid_request_error',
          null,
          'unknown_url',
        ),
      ),
  );
  // The models this API offers, by kind; an empty list takes any model (the miners decide).
  const offered = (kind: ApiModel['kind']) =>
    new Set(options.models.filter((m) => m.kind === kind).map((m) => m.id));
  const textModels = offered('text');
  const imageModels = offered('image');
  const unknownModel = (
    reply: FastifyReply,
    models: ReadonlySet<string>,
    model: unknown,
  ): boolean => {
    if (models.size === 0 || (typeof model === 'string' && models.has(model))) return false;
    void reply
      .code(404)
      .send(
        errorBody(
          `The model '${String(model)}' does not exist; GET /v1/models lists the models offered`,
          'invalid_request_error',
          'model',
          'model_not_found',
        ),
      );
    return true;
  };

  app.get('/openapi.json', async () => openApiDocument());

  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      return reply
        .code(401)
        .send(
          errorBody(
            'missing API key: send Authorization: Bearer <key>',
            'invalid_request_error',
            null,
            'invalid_api_key',
          ),
        );
    }
    const auth = await options.apiKeys.authorize(match[1]);
    if (auth.ok) {
      request.apiKey = auth.key;
      return;
    }
    if (auth.reason === 'rate_limited') {
      const seconds = Math.max(1, Math.ceil(auth.retryAfterMs / 1000));
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send(
          errorBody(
            `rate limit reached for this key; retry after ${seconds} s`,
            'rate_limit_error',
            null,
            'rate_limit_exceeded',
          ),
        );
    }
    return reply
      .code(401)
      .send(
        errorBody(
          auth.reason === 'revoked' ? 'this API key was revoked' : 'invalid API key',
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      );
  });

  app.get('/v1/models', async () => ({
    object: 'list',
    data: options.models.map((m) => ({
      id: m.id,
      object: 'model',
      owned_by: 'subnet',
      kind: m.kind,
    })),
  }));

  const usage = (
    request: FastifyRequest,
    delta: { inputTokens?: number; outputTokens?: number; images?: number },
  ) => {
    const key = request.apiKey;
    if (!key) return;
    options.apiKeys
      .recordUsage(key.id, delta)
      .catch((err: unknown) => request.log.warn({ err }, 'usage not recorded'));
  };

  const textRoute = (kind: TextKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body =
      kind === 'chat'
        ? parseBody(chatCompletionRequestSchema, request, reply)
        : parseBody(completionRequestSchema, request, reply);
    if (!body) return reply;
    if (unknownModel(reply, textModels, body.model)) return reply;
    const task = textTask(kind, body, seed);
    const abort = new AbortController();
    // The response closes when it is sent or when the client goes away: the miner call stops.
    reply.raw.on('close', () => abort.abort());
    const meta: CompletionMeta = {
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`,
      created: Math.floor(now() / 1000),
      model: body.model,
    };
    const events = options.gateway.text(task, abort.signal)[Symbol.asyncIterator]();
    let first: IteratorResult<Awaited<ReturnType<typeof events.next>>['value']>;
    try {
      first = await events.next();
    } catch (err) {
      return unavailable(reply, err);
    }
    let text = '';
    let finish: 'stop' | 'length' | null = null;
    let promptTokens = 0;
    let completionTokens = 0;
    let failure: string | undefined;
    const fold = (event: NonNullable<typeof first.value>) => {
      if (event.type === 'token') text += event.token;
      else if (event.type === 'done') {
        finish = event.finish_reason;
        promptTokens = event.prompt_tokens;
        completionTokens = event.completion_tokens;
      } else failure = event.message;
    };

    if (!body.stream) {
      try {
        for (let step = first; !step.done; step = await events.next()) fold(step.value);
      } catch (err) {
        failure = (err as Error).message;
      }
      usage(request, { inputTokens: promptTokens, outputTokens: completionTokens });
      if (failure !== undefined && finish === null) {
        return reply.code(502).send(errorBody(`the miner failed: ${failure}`, 'upstream_error'));
      }
      return reply.send(
        wholeCompletion(kind, meta, { text, finish, promptTokens, completionTokens }),
      );
    }

    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (kind === 'chat') reply.raw.write(sse(streamChunk(kind, meta, { role: true, text: '' })));
    try {
      for (let step = first; !step.done; step = await events.next()) {
        fold(step.value);
        if (step.value.type === 'token') {
          reply.raw.write(sse(streamChunk(kind, meta, { text: step.value.token })));
        }
      }
    } catch (err) {
      failure = (err as Error).message;
    }
    if (failure !== undefined && finish === null) {
      reply.raw.write(sse(errorBody(`the miner failed: ${failure}`, 'upstream_error')));
    } else {
      reply.raw.write(sse(streamChunk(kind, meta, { finish })));
    }
    reply.raw.end(sse('[DONE]'));
    usage(request, { inputTokens: promptTokens, outputTokens: completionTokens });
    return reply;
  };

  app.post('/v1/chat/completions', textRoute('chat'));
  app.post('/v1/completions', textRoute('completion'));

  for (const [name, endpoint] of Object.entries(IMAGE_ENDPOINTS)) {
    app.post(`/v1/${name}`, async (request, reply) => {
      const body = parseBody(endpoint.schema as z.ZodType<Record<string, unknown>>, request, reply);
      if (!body) return reply;
      const problem = await imageRequestProblem(name as ImageEndpoint, body);
      if (problem) {
        return reply
          .code(400)
          .send(errorBody(problem.message, 'invalid_request_error', problem.field));
      }
      if (unknownModel(reply, imageModels, body.model)) return reply;
      const input: Record<string, unknown> =
        'seed' in endpoint.schema.shape ? { ...body, seed: body.seed ?? seed() } : body;
      if ('cfg_scale' in endpoint.schema.shape && options.unguided?.(String(body.model))) {
        // A model without a guidance embedding: cfg_scale 1, and a 400 for asking more.
        const asked =
          typeof request.body === 'object' && request.body !== null && 'cfg_scale' in request.body;
        if (asked && Number(body.cfg_scale) > 1) {
          return reply
            .code(400)
            .send(
              errorBody(
                `cfg_scale: model '${body.model}' has no guidance embedding, so it runs without guidance; send cfg_scale 1 or leave it out`,
                'invalid_request_error',
                'cfg_scale',
              ),
            );
        }
        input.cfg_scale = 1;
      }
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      try {
        const result = await options.gateway.image(endpoint.def, input, abort.signal);
        usage(request, { images: 1 });
        return {
          created: Math.floor(now() / 1000),
          model: input.model,
          ...(input.seed === undefined ? {} : { seed: input.seed }),
          image_b64: result.fields.image_b64,
          image_hashes: result.fields.image_hashes ?? null,
          is_nsfw: result.fields.is_nsfw ?? null,
        };
      } catch (err) {
        return unavailable(reply, err);
      }
    });
  }

  return app;
}

function unavailable(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof GatewayRefused) {
    return reply
      .code(400)
      .send(errorBody(`the miners refused the request: ${err.message}`, 'invalid_request_error'));
  }
  if (err instanceof GatewayUnavailable) {
    return reply
      .code(503)
      .header('retry-after', String(UNAVAILABLE_RETRY_S))
      .send(errorBody('no miner could answer; try again', 'service_unavailable'));
  }
  throw err;
}

function textTask(
  kind: TextKind,
  body: ChatCompletionRequest | CompletionRequest,
  seed: () => number,
): TextTask {
  const sampling = {
    model: body.model,
    seed: body.seed ?? seed(),
    ...(body.max_tokens === undefined ? {} : { max_tokens: body.max_tokens }),
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    ...(body.top_p === undefined ? {} : { top_p: body.top_p }),
    ...(body.top_k === undefined ? {} : { top_k: body.top_k }),
    ...(body.stop === undefined
      ? {}
      : { stop: typeof body.stop === 'string' ? [body.stop] : body.stop }),
  };
  return kind === 'chat'
    ? { kind, input: { messages: (body as ChatCompletionRequest).messages, ...sampling } }
    : { kind, input: { prompt: (body as CompletionRequest).prompt, ...sampling } };
}
