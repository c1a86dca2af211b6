/**
 * `doctor`'s check of the check models that are files of their own (diffusion export folders,
 * upscalers, CLIP towers, NSFW classifiers): present, complete, their adapters too. Registry
 * LLMs are the inference package's `modelChecks`.
 */
import { checkModelEntries, type ModelsConfig } from '@subnet/inference/catalog';
import type { Check } from '@subnet/kit';

export function modelFilesCheck(models: ModelsConfig): Check | undefined {
  const entries = Object.fromEntries(
    Object.entries(models.entries).filter(([, entry]) => entry.type !== 'llm'),
  );
  const count = Object.keys(entries).length;
  if (count === 0) return undefined;
  return {
    name: 'check model files',
    timeoutMs: 30_000,
    async run() {
      try {
        await checkModelEntries({ models: { ...models, entries } });
      } catch (err) {
        return {
          status: 'blocker',
          detail: `checking.${(err as Error).message}`,
          fix: 'correct the path under checking.models.entries, or export the model there (`pnpm models export`, docs/models.md)',
        };
      }
      return {
        status: 'ok',
        detail: `${count} model${count === 1 ? '' : 's'} (${Object.keys(entries).join(', ')}): files present`,
      };
    },
  };
}
