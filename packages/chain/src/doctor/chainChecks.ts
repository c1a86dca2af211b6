/**
 * Doctor checks of a daemon's place on the chain: the chain answers, the subnet exists, the
 * hotkey is registered on it (and, for a validator, holds a validator permit). The three share one
 * connection, opened by the first that needs it and closed by the last that runs: a check whose
 * result makes the next ones skip closes it, and if the checks are run apart (or only some of
 * them) it is closed once none has asked for it for a moment. Every chain call has a deadline
 * shorter than the check's own, so a check always ends with its own answer and its connection
 * closed.
 */
import { type Check, type CheckResult, type Logger, raoToTao } from '@subnet/kit';
import { ChainClient } from '../client/chainClient.js';
import { ChainError, ChainErrorCode } from '../errors.js';
import { neuronByHotkey } from '../metagraph.js';
import { resolveEndpoint } from '../networks.js';
import { registerCommand, unreachableFix, type WalletNames } from '../operatorHints.js';

export interface ChainChecksOptions {
  /** `finney`, `test`, `local` or a `ws(s)://` URL. */
  readonly network: string;
  readonly netuid: number;
  /** The hotkey's ss58 (`readHotkeyAddress`); undefined skips the registration check. */
  readonly hotkeyAddress: string | undefined;
  readonly role: 'miner' | 'validator';
  readonly logger?: Logger;
  /** Deadline of the connection and of each chain call, in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** The wallet, to name it in the register command a fix gives (else placeholders). */
  readonly wallet?: WalletNames;
}

/** How long a shared connection stays open with no check asking for it. */
const IDLE_CLOSE_MS = 250;

/** One connection for the three checks, opened on first use and never left open. */
class SharedClient {
  #client: Promise<ChainClient> | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(private readonly open: () => Promise<ChainClient>) {}

  get(): Promise<ChainClient> {
    this.#cancelIdle();
    if (!this.#client) {
      const opening = this.open();
      // A failed connect leaves nothing open (ChainConnection closes itself); forget it.
      opening.catch(() => {
        if (this.#client === opening) this.#client = undefined;
      });
      this.#client = opening;
    }
    return this.#client;
  }

  /** Closes it now. */
  async close(): Promise<void> {
    this.#cancelIdle();
    const client = this.#client;
    this.#client = undefined;
    await client?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  /** Closes it unless another check asks for it within a moment. */
  release(): void {
    this.#cancelIdle();
    if (this.#client) this.#idle = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
  }

  #cancelIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
  }
}

function failure(err: unknown, endpoint: string, timeoutMs: number): CheckResult {
  if (err instanceof ChainError && err.code === ChainErrorCode.Connection) {
    return {
      status: 'blocker',
      detail: `the chain is unreachable at ${endpoint} (no connection within ${timeoutMs / 1000} s)`,
      fix: unreachableFix(endpoint),
    };
  }
  if (err instanceof ChainError && err.code === ChainErrorCode.Timeout) {
    return {
      status: 'blocker',
      detail: `${endpoint} did not answer in time (${err.message})`,
      fix: unreachableFix(endpoint),
    };
  }
  const e = err as { message?: string; code?: unknown };
  return {
    status: 'blocker',
    detail: `${e.message ?? String(err)}${typeof e.code === 'string' ? ` [${e.code}]` : ''}`,
  };
}

/**
 * 'chain reachable', 'subnet' and 'registration', in that order (each needs the one before).
 */
export function chainChecks(opts: ChainChecksOptions): Check[] {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // The check's own deadline (the kit's) is a backstop: a connection, its metadata and a call.
  const checkTimeoutMs = 3 * timeoutMs + 2_000;
  let endpoint = opts.network;
  const shared = new SharedClient(() => {
    endpoint = resolveEndpoint(opts.network);
    return ChainClient.connect({
      network: endpoint,
      connectTimeoutMs: timeoutMs,
      callTimeoutMs: timeoutMs,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  });

  /** Runs `body` on the shared connection; `last`: the connection is closed afterwards. */
  const onChain =
    (body: (client: ChainClient) => Promise<CheckResult>, last: boolean) =>
    async (): Promise<CheckResult> => {
      let result: CheckResult;
      try {
        result = await body(await shared.get());
      } catch (err) {
        result = failure(err, endpoint, timeoutMs);
      }
      if (last || (result.status !== 'ok' && result.status !== 'warn')) await shared.close();
      else shared.release();
      return result;
    };

  const reachable: Check = {
    name: 'chain reachable',
    timeoutMs: checkTimeoutMs,
    run: onChain(async (client) => {
      const block = await client.blockNumber();
      const { specName, specVersion } = client.runtime;
      return {
        status: 'ok',
        detail: `${client.endpoint}: ${specName} spec ${specVersion}, best block #${block}`,
      };
    }, false),
  };

  const subnet: Check = {
    name: 'subnet',
    needs: ['chain reachable'],
    timeoutMs: checkTimeoutMs,
    run: onChain(async (client) => {
      if (await client.subnetExists(opts.netuid)) {
        const hp = await client.hyperparameters(opts.netuid);
        return {
          status: 'ok',
          detail: `subnet ${opts.netuid} exists (tempo ${hp.tempo}, burn ${raoToTao(hp.burn, 4)} TAO)`,
        };
      }
      const netuids = await client.netuids();
      return {
        status: 'blocker',
        detail: `subnet ${opts.netuid} does not exist on ${client.endpoint}`,
        fix: `check --netuid: the subnets there are ${netuids.join(', ') || 'none'}`,
      };
    }, false),
  };

  const registration: Check = {
    name: 'registration',
    needs: ['subnet'],
    timeoutMs: checkTimeoutMs,
    run: async () => {
      const hotkey = opts.hotkeyAddress;
      if (hotkey === undefined) {
        await shared.close();
        return { status: 'skip', detail: "the hotkey's address is unknown (see wallet files)" };
      }
      return onChain(async (client) => {
        const uid = await client.uidForHotkey(opts.netuid, hotkey);
        if (uid === undefined) {
          const command = registerCommand({
            network: opts.network,
            netuid: opts.netuid,
            wallet: opts.wallet,
          });
          return {
            status: 'blocker',
            detail: `hotkey ${hotkey} is not registered on subnet ${opts.netuid}`,
            fix: `register it: \`${opts.role === 'miner' ? command.replace(/^pnpm chain register/, 'pnpm miner register') : command}\``,
          };
        }
        if (opts.role === 'miner') {
          return {
            status: 'ok',
            detail: `hotkey ${hotkey} is uid ${uid} on subnet ${opts.netuid}`,
          };
        }
        const [mg, hp] = await Promise.all([
          client.metagraph(opts.netuid),
          client.hyperparameters(opts.netuid),
        ]);
        const neuron = neuronByHotkey(mg, hotkey);
        const stake = `stake ${raoToTao(neuron?.stake ?? 0n, 4)} α`;
        if (!neuron?.validatorPermit) {
          return {
            status: 'warn',
            detail: `hotkey ${hotkey} is uid ${uid} on subnet ${opts.netuid}, ${stake}, no validator permit yet: its weights will be refused`,
            fix: `permits go to the ${hp.maxAllowedValidators} largest stakes at each epoch (every ${hp.tempo + 1} blocks): add stake to the hotkey, then wait an epoch`,
          };
        }
        return {
          status: 'ok',
          detail: `hotkey ${hotkey} is uid ${uid} on subnet ${opts.netuid}, ${stake}, validator permit`,
        };
      }, true)();
    },
  };

  return [reachable, subnet, registration];
}
