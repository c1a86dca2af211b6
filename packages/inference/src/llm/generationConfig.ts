import { join } from 'node:path';
import { badExport, readJsonObject } from '../exportFiles';

/**
 * What generation needs from `generation_config.json` (written by transformers next to the
 * weights, copied by Optimum): its end-of-sequence ids (an int or a list: Llama 3 stops on
 * both `<|end_of_text|>` and `<|eot_id|>`), and its bos/pad ids.
 */
export interface GenerationConfig {
  eosTokenIds: number[];
  bosTokenId?: number;
  padTokenId?: number;
}

export const GENERATION_CONFIG_FILE = 'generation_config.json';

export function parseGenerationConfig(
  json: Record<string, unknown>,
  file = GENERATION_CONFIG_FILE,
): GenerationConfig {
  const ids = (field: string): number[] => {
    const value = json[field];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const id of list) {
      if (!Number.isInteger(id) || (id as number) < 0) {
        throw badExport(
          file,
          `${field} must be a token id or a list of token ids, not ${JSON.stringify(value)}`,
        );
      }
    }
    return [...new Set(list as number[])];
  };
  const single = (field: string): number | undefined => {
    const list = ids(field);
    if (list.length > 1) throw badExport(file, `${field} must be one token id`);
    return list[0];
  };
  const config: GenerationConfig = { eosTokenIds: ids('eos_token_id') };
  const bos = single('bos_token_id');
  const pad = single('pad_token_id');
  if (bos !== undefined) config.bosTokenId = bos;
  if (pad !== undefined) config.padTokenId = pad;
  return config;
}

/** The directory's generation_config.json, or undefined when it has none. */
export async function readGenerationConfig(dir: string): Promise<GenerationConfig | undefined> {
  const path = join(dir, GENERATION_CONFIG_FILE);
  const json = await readJsonObject(path);
  return json ? parseGenerationConfig(json, path) : undefined;
}
