/**
 * `withApiKeys` of keysStorage.ts, loaded when a keys command runs: the storage engines are
 * heavy, and help or a usage mistake should answer at once.
 */
import type { CliIo, OptionValues } from '@subnet/kit';
import type { ApiKeys } from '../../apiKeys/apiKeyService';
import type { KeysDeps } from './keysStorage';

export async function useApiKeys<T>(
  values: OptionValues,
  io: CliIo,
  deps: KeysDeps,
  fn: (keys: ApiKeys) => Promise<T>,
): Promise<T> {
  return (await import('./keysStorage')).withApiKeys(values, io, deps, fn);
}
