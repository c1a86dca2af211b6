import { InferenceError, InferenceErrorCode } from '../errors';
import type { AdapterFeeds, LoraInput } from '../llm/decoderModel';
import type { AdapterSource } from '../llm/llmEngine';
import * as ort from '../runtime/ort';

/**
 * The LoRA inputs of a session, in the package's convention (see lora/loraAdapter.ts):
 * `lora.<target>.A` [in, rank] and `lora.<target>.B` [rank, out], with rank-1 zero tensors fed
 * when no adapter is active (or the adapter does not name the target).
 */
export class LoraInputs {
  readonly inputs: readonly LoraInput[];
  private readonly zeros = new Map<string, ort.Tensor>();

  constructor(session: ort.InferenceSession) {
    const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
    const inputs: LoraInput[] = [];
    for (const m of session.inputMetadata) {
      const match = /^lora\.(.+)\.A$/.exec(m.name);
      if (!match?.[1] || !m.isTensor) continue;
      const b = meta.get(`lora.${match[1]}.B`);
      const inDim = m.shape[0];
      const outDim = b?.isTensor ? b.shape[1] : undefined;
      if (typeof inDim !== 'number' || typeof outDim !== 'number') {
        throw new InferenceError(
          InferenceErrorCode.ModelShapeUnsupported,
          `lora.${match[1]}.A/B need fixed in/out sizes`,
        );
      }
      inputs.push({ target: match[1], inDim, outDim });
      this.zeros.set(
        `lora.${match[1]}.A`,
        new ort.Tensor('float32', new Float32Array(inDim), [inDim, 1]),
      );
      this.zeros.set(
        `lora.${match[1]}.B`,
        new ort.Tensor('float32', new Float32Array(outDim), [1, outDim]),
      );
    }
    this.inputs = inputs;
  }

  /** Feeds for every LoRA input: the adapter's tensor where it has one, else zeros. */
  feeds(adapter?: AdapterFeeds): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (const [name, zero] of this.zeros) out[name] = adapter?.get(name) ?? zero;
    return out;
  }
}

/**
 * The feeds of a task's LoRA adapter (`lora` id) from a pipeline's adapters; undefined without an
 * id, UNKNOWN_ADAPTER when the model has no adapters.
 */
export async function adapterFeedsOf(
  adapters: AdapterSource | undefined,
  id: string | undefined,
): Promise<AdapterFeeds | undefined> {
  if (id === undefined) return undefined;
  if (!adapters) {
    throw new InferenceError(
      InferenceErrorCode.UnknownAdapter,
      `unknown adapter '${id}': this model has no adapters`,
    );
  }
  return adapters.feeds(id);
}
