/**
 * Chat and Completion on an in-process LLM engine, or on an OpenAI-compatible server for an
 * `llm-openai` model: synapse fields become a generate request (`generateRequestOf`, the mapping
 * validators re-sample with), each generated token becomes a `token` event with its logprob and the
 * top alternatives as text (from a server, which sends ids only, named `token_id:<id>`), then one
 * `done` (or `error`) event. The task's signal cancels generation.
 */
import type { ChatTokenizer, GenerateRequest, LlmBackend } from '@subnet/inference';
import { generateRequestOf, type TextKind, taskFields } from '@subnet/inference/tasks';
import type {
  TextDoneEvent,
  TextErrorEvent,
  TextStreamEvent,
  TextTokenEvent,
} from '@subnet/protocol/tasks';
import type { TaskContext, TaskHandler } from '../axon/taskHandler';
import type { BackendOf, ModelCatalog } from './modelCatalog';
import { pickModel, type ServedModels } from './servedModels';
import { toMinerError } from './taskErrors';

/** A token's text as the tokenizer writes it alone (special tokens included). */
function tokenText(tokenizer: ChatTokenizer, id: number): string {
  return tokenizer.decode([id], { skipSpecialTokens: false });
}

async function* streamText(
  catalog: ModelCatalog,
  modelId: string,
  request: GenerateRequest,
  ctx: TaskContext,
): AsyncGenerator<TextStreamEvent> {
  let lease: { backend: BackendOf<'llm' | 'llm-remote'>; release(): void } | undefined;
  try {
    lease = await catalog.acquire(modelId, ['llm', 'llm-remote']);
    const backend = lease.backend;
    const llm: LlmBackend = backend.type === 'llm' ? backend.engine : backend.remote;
    // A server sends token ids only: its alternatives are named as it names them.
    const altText =
      backend.type === 'llm'
        ? (id: number) => tokenText(backend.engine.tokenizer, id)
        : (id: number) => `token_id:${id}`;
    const gen = llm.generate(request, { signal: ctx.signal });
    while (true) {
      const next = await gen.next();
      if (next.done) {
        const result = next.value;
        if (result.finishReason === 'cancelled') return;
        const done: TextDoneEvent = {
          type: 'done',
          finish_reason: result.finishReason,
          prompt_tokens: result.promptTokenIds.length,
          completion_tokens: result.tokenIds.length,
        };
        yield done;
        return;
      }
      const t = next.value;
      const event: TextTokenEvent = {
        type: 'token',
        index: t.index,
        token: t.text,
        token_id: t.tokenId,
        logprob: t.logprob,
        top_logprobs: t.topLogprobs.map((alt) => ({
          token: altText(alt.tokenId),
          logprob: alt.logprob,
        })),
      };
      yield event;
    }
  } catch (err) {
    // A failure once the model is held may mean its backend broke: it is then reloaded.
    const e = toMinerError(lease ? catalog.failure(modelId, err) : err, ctx.signal);
    ctx.log.warn({ status: e.status, reason: e.message }, 'generation failed');
    const failed: TextErrorEvent = { type: 'error', message: e.message.slice(0, 1024) };
    yield failed;
  } finally {
    lease?.release();
  }
}

/**
 * The handler of Chat or Completion. The model and adapter are checked before the stream starts,
 * so an unserved model or adapter is a 400 answer and a model waiting for its reload a 503; a
 * failure once the stream has started is an `error` event.
 */
export function textTaskHandler(
  kind: TextKind,
  catalog: ModelCatalog,
  served: ServedModels,
): TaskHandler {
  return (synapse, ctx) => {
    const request = generateRequestOf(kind, taskFields(kind, synapse));
    const modelId = pickModel(kind, served, synapse);
    catalog.ensureServing(modelId);
    return streamText(catalog, modelId, request, ctx);
  };
}
