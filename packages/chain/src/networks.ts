import { ChainError, ChainErrorCode } from './errors.js';

/** Public endpoints by the network names the SDK and btcli use. */
export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  archive: 'wss://archive.chain.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const;
export type NetworkName = keyof typeof NETWORK_ENDPOINTS;

/**
 * An endpoint URL from a network name (`finney`, `test`, `archive`, `local`) or a `ws(s)://`
 * URL. `local` honours `BT_SUBTENSOR_CHAIN_ENDPOINT` in `env` as the SDK does; the library reads
 * no environment itself (a CLI passes its own).
 */
export function resolveEndpoint(
  network: NetworkName | string,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  if (/^wss?:\/\//.test(network)) return network;
  if (network === 'local') return env.BT_SUBTENSOR_CHAIN_ENDPOINT ?? NETWORK_ENDPOINTS.local;
  if (network in NETWORK_ENDPOINTS) return NETWORK_ENDPOINTS[network as NetworkName];
  throw new ChainError(
    ChainErrorCode.InvalidArgument,
    `unknown network "${network}": use one of ${Object.keys(NETWORK_ENDPOINTS).join(', ')} or a ws:// URL`,
  );
}
