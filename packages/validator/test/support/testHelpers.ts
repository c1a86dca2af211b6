/**
 * Small pieces the validator's tests share: a logger whose JSON lines land in an array, the
 * weights a uid has on chain, a metagraph neuron serving on loopback, and a devnet subnet with
 * the validator (bob) registered and permitted.
 */
import { ChainClient, type Neuron, neuronByHotkey } from '@subnet/chain';
import { type Devnet, type StartDevnetOptions, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys, writeDevWallets } from '@subnet/chain/testing';
import pino, { type Logger } from 'pino';

export interface ValidatorSubnet {
  devnet: Devnet;
  client: ChainClient;
  netuid: number;
  keys: Awaited<ReturnType<typeof devKeys>>;
}

/**
 * A devnet whose subnet has bob (uid 1, staked to a validator permit), charlie (uid 2) and dave
 * (uid 3) registered, one weight accepted per uid, and the dev wallets written to `walletDir`.
 */
export async function startValidatorSubnet(
  walletDir: string,
  options: Pick<StartDevnetOptions, 'runtime'> = {},
): Promise<ValidatorSubnet> {
  await writeDevWallets(walletDir);
  const devnet = await startDevnet(options);
  const netuid = devnet.netuid;
  const client = await ChainClient.connect({ network: devnet.endpoint });
  const keys = await devKeys();
  const register = (k: DevKeys) =>
    client.burnedRegister({ netuid, coldkey: k.coldkey, hotkey: k.hotkey.address });
  // One after another, so the uids are fixed: bob 1, charlie 2, dave 3.
  const uids = [await register(keys.bob), await register(keys.charlie), await register(keys.dave)];
  if (uids.join() !== '1,2,3') throw new Error(`registered at uids ${uids.join()}, not 1,2,3`);
  await client.addStake({
    netuid,
    coldkey: keys.bob.coldkey,
    hotkey: keys.bob.hotkey.address,
    amount: 1_000n * 1_000_000_000n,
  });
  for (let i = 0; i < 6; i++) {
    const mg = await client.metagraph(netuid);
    if (neuronByHotkey(mg, keys.bob.hotkey.address)?.validatorPermit) break;
    await devnet.newBlocks(6);
  }
  await devnet.sudoSet({ minAllowedWeights: 1, maxWeightLimit: 65535 });
  return { devnet, client, netuid, keys };
}

export function captureLogger(lines: Array<Record<string, unknown>>): Logger {
  return pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

/** SubtensorModule.Weights of `uid`, read from the chain's storage. */
export async function chainWeights(
  devnet: Devnet,
  netuid: number,
  uid: number,
): Promise<{ uids: number[]; values: number[] }> {
  const query = devnet.api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  const rows = (await query(netuid, uid)).toJSON() as Array<[number, number]>;
  return { uids: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

/** A neuron whose axon listens on 127.0.0.1:`port`. */
export function loopbackNeuron(
  uid: number,
  hotkey: string,
  port: number,
  validatorPermit = false,
): Neuron {
  return {
    uid,
    hotkey,
    coldkey: hotkey,
    stake: 0n,
    validatorPermit,
    active: true,
    axon: { ip: '127.0.0.1', port, ipType: 4, protocol: 4, version: 0, block: 1 },
    lastUpdate: 0,
    incentive: 0,
    dividends: 0,
    consensus: 0,
    trust: 0,
    validatorTrust: 0,
    rank: 0,
    emission: 0n,
  } as Neuron;
}
