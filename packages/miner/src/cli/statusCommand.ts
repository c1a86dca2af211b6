/** `pnpm miner status`: the hotkey's neuron on chain, and whether the local axon answers. */
import { neuronByHotkey } from '@subnet/chain';
import { type CommandSpec, commandLogger, raoToTao } from '@subnet/kit';
import { registerCommand } from '../daemon/operatorErrors';
import { connectChain, loadMinerHotkey } from './chainSession';
import { AXON_LISTEN_FLAGS, COMMON_FLAGS, minerSettings } from './minerFlags';

interface Health {
  status: string;
  tasks: unknown;
}

async function localHealth(ip: string, port: number): Promise<Health | undefined> {
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip;
  try {
    const r = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return (await r.json()) as Health;
  } catch {
    return undefined;
  }
}

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'registration, axon, stake, incentive, emission and trust; the local axon',
  options: { ...COMMON_FLAGS, ...AXON_LISTEN_FLAGS },
  examples: ['pnpm miner status --netuid 1 --subtensor.network finney --wallet.name miner'],
  async run(ctx) {
    const { io } = ctx;
    const config = minerSettings(ctx);
    const log = commandLogger(ctx.values, 'miner');
    const hotkey = await loadMinerHotkey(config);
    const chain = await connectChain(config, log);
    try {
      const mg = await chain.metagraph(config.netuid);
      const n = neuronByHotkey(mg, hotkey.address);
      if (!n) {
        io.out(
          `hotkey ${hotkey.address} is not registered on subnet ${config.netuid} (block ${mg.block})`,
        );
        io.out(`  register it: ${registerCommand(config)}`);
        return 0;
      }
      io.out(`subnet ${config.netuid} at block ${mg.block}: uid ${n.uid}, hotkey ${n.hotkey}`);
      io.out(`  axon        ${n.axon.ip}:${n.axon.port} (served at block ${n.axon.block})`);
      io.out(`  stake       ${raoToTao(n.stake, 4)}`);
      io.out(`  incentive   ${n.incentive}`);
      io.out(`  trust       ${n.trust}`);
      io.out(`  emission    ${raoToTao(n.emission, 4)} per tempo`);
      io.out(`  last update block ${n.lastUpdate}`);
      const local = await localHealth(config.axon.ip, config.axon.port);
      io.out(
        local
          ? `  local axon  ${local.status}, tasks ${JSON.stringify(local.tasks)}`
          : `  local axon  not answering on port ${config.axon.port}`,
      );
      return 0;
    } finally {
      await chain.close();
    }
  },
};
