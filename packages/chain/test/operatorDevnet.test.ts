// What an operator runs against a real devnet (spec 293 in chopsticks): `pnpm chain register` and
// `metagraph` (in-process, the kit's runProgram), and the doctor checks the miner and the
// validator run before they start: the healthy case and each blocker (missing wallet, not
// registered, unreachable chain, missing subnet, bad permissions), with the connection they share
// closed afterwards. And chopsticks' own log lines reach the devnet's logger, not stdout.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Check, runChecklist, runProgram } from '@subnet/kit';
import { type CapturedLogger, captureLogger, memoryIo } from '@subnet/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainProgram } from '../src/cli/chainProgram.js';
import { ChainClient } from '../src/client/chainClient.js';
import { type Devnet, startDevnet } from '../src/devnet/index.js';
import { chainChecks, readHotkeyAddress, walletChecks } from '../src/index.js';
import { neuronByHotkey } from '../src/metagraph.js';
import {
  type DevKeys,
  type DevWalletName,
  devKeys,
  startTcpProxy,
  type TcpProxy,
  writeDevWallets,
} from '../src/testing/index.js';

const wallets = mkdtempSync(join(tmpdir(), 'operator-devnet-'));
let devnet: Devnet;
let proxy: TcpProxy;
let client: ChainClient;
let keys: Record<DevWalletName, DevKeys>;
let log: CapturedLogger;
let netuid: number;

beforeAll(async () => {
  log = captureLogger('info');
  devnet = await startDevnet({ logger: log.logger, chopsticksLogLevel: 'info' });
  netuid = devnet.netuid;
  // The doctor connects through a proxy that counts open connections.
  proxy = await startTcpProxy({ targetHost: devnet.host, targetPort: devnet.port });
  client = await ChainClient.connect({ network: devnet.endpoint });
  keys = await devKeys();
  await writeDevWallets(wallets);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await devnet?.close();
  rmSync(wallets, { recursive: true, force: true });
});

async function chain(argv: string[]) {
  const io = memoryIo({ cwd: wallets });
  const code = await runProgram(chainProgram(), argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

async function doctor(checks: Check[]) {
  const lines: string[] = [];
  const report = await runChecklist(checks, (l) => lines.push(l));
  const by = Object.fromEntries(report.results.map((r) => [r.name, r]));
  return { report, lines, by };
}

/** Every connection the checks opened through the proxy is closed again. */
async function expectNoConnectionLeft(): Promise<void> {
  for (let i = 0; i < 100 && proxy.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(proxy.open).toBe(0);
}

const wallet = (name: string, hotkey = 'default') => ({ path: wallets, name, hotkey });

describe('pnpm chain against the devnet', () => {
  it('registers a hotkey once, then says it is registered; the metagraph shows it', async () => {
    const argv = [
      'register',
      '--subtensor.network',
      devnet.endpoint,
      '--netuid',
      String(netuid),
      '--wallet.name',
      'charlie',
      '--wallet.path',
      '.',
    ];
    const first = await chain(argv);
    expect(first).toEqual({
      code: 0,
      out: [`registered hotkey ${keys.charlie.hotkey.address} on subnet ${netuid} as uid 1`],
      err: [],
    });
    const again = await chain(argv);
    expect(again.out).toEqual([
      `hotkey ${keys.charlie.hotkey.address} is already uid 1 on subnet ${netuid}`,
    ]);
    const mg = await chain([
      'metagraph',
      '--network',
      devnet.endpoint,
      '--netuid',
      String(netuid),
      '--json',
    ]);
    expect(mg.code).toBe(0);
    const parsed = JSON.parse(mg.out[0] ?? '') as { n: number; neurons: { hotkey: string }[] };
    expect(parsed.neurons.map((n) => n.hotkey)).toEqual([
      keys.alice.hotkey.address,
      keys.charlie.hotkey.address,
    ]);
    const table = await chain(['metagraph', '--network', devnet.endpoint, '--netuid', '2']);
    expect(table.out[0]?.split('\n')[0]).toMatch(/^subnet 2 at block \d+: 2 neurons \(storage\)$/);
  });

  it('a subnet that does not exist: exit 1, and the subnets there are', async () => {
    const r = await chain(['metagraph', '--subtensor.network', devnet.endpoint, '--netuid', '9']);
    expect(r).toEqual({
      code: 1,
      out: [],
      err: [
        `pnpm chain metagraph: subnet 9 does not exist on ${devnet.endpoint} [CHAIN_SUBNET_NOT_FOUND]\n  fix: check --netuid: the subnets there are 0, 1, 2`,
      ],
    });
  });
});

describe('the doctor checks', () => {
  it('a registered miner: every check ok, over one connection, closed at the end', async () => {
    const accepted = proxy.accepted;
    const w = wallet('charlie');
    const { report, by } = await doctor([
      ...walletChecks({ ...w, coldkey: true }),
      ...chainChecks({
        network: proxy.endpoint,
        netuid,
        hotkeyAddress: readHotkeyAddress(w),
        role: 'miner',
      }),
    ]);
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ['wallet files', 'ok'],
      ['wallet permissions', 'ok'],
      ['chain reachable', 'ok'],
      ['subnet', 'ok'],
      ['registration', 'ok'],
    ]);
    expect(by['wallet files']?.detail).toBe(
      `hotkey ${keys.charlie.hotkey.address}, coldkey ${keys.charlie.coldkey.address} (wallet charlie/default in ${wallets})`,
    );
    expect(by['wallet permissions']?.detail).toBe(
      'hotkey 600, coldkey 600: only you can read them',
    );
    expect(by['chain reachable']?.detail).toMatch(
      new RegExp(`^${proxy.endpoint}: node-subtensor spec 293, best block #\\d+$`),
    );
    expect(by.subnet?.detail).toMatch(/^subnet 2 exists \(tempo 10, burn \d+\.\d{4} TAO\)$/);
    expect(by.registration?.detail).toBe(
      `hotkey ${keys.charlie.hotkey.address} is uid 1 on subnet 2`,
    );
    expect(report.blockers).toBe(0);
    expect(proxy.accepted - accepted).toBe(1);
    await expectNoConnectionLeft();
  });

  it('a validator: not registered (blocker), then no permit yet (warn), then ok', async () => {
    const w = wallet('bob');
    const checks = () =>
      chainChecks({
        network: proxy.endpoint,
        netuid,
        hotkeyAddress: readHotkeyAddress(w),
        role: 'validator',
        wallet: w,
      });
    const bob = keys.bob.hotkey.address;
    const unregistered = await doctor(checks());
    expect(unregistered.by.registration).toEqual({
      name: 'registration',
      status: 'blocker',
      detail: `hotkey ${bob} is not registered on subnet 2`,
      fix: `register it: \`pnpm chain register --subtensor.network ${proxy.endpoint} --netuid 2 --wallet.name bob --wallet.hotkey default --wallet.path ${wallets}\``,
    });
    await expectNoConnectionLeft();

    const uid = await client.burnedRegister({ netuid, coldkey: keys.bob.coldkey, hotkey: bob });
    const noPermit = await doctor(checks());
    expect(noPermit.by.registration?.status).toBe('warn');
    expect(noPermit.by.registration?.detail).toBe(
      `hotkey ${bob} is uid ${uid} on subnet 2, stake 0.0000 α, no validator permit yet: its weights will be refused`,
    );
    expect(noPermit.by.registration?.fix).toMatch(
      /^permits go to the \d+ largest stakes at each epoch \(every 11 blocks\): add stake to the hotkey, then wait an epoch$/,
    );
    await expectNoConnectionLeft();

    await client.addStake({ netuid, coldkey: keys.bob.coldkey, hotkey: bob, amount: 10n ** 12n });
    for (let i = 0; i < 8; i++) {
      if (neuronByHotkey(await client.metagraph(netuid), bob)?.validatorPermit) break;
      await devnet.newBlocks(6);
    }
    const ok = await doctor(checks());
    expect(ok.by.registration?.status).toBe('ok');
    expect(ok.by.registration?.detail).toMatch(
      new RegExp(
        `^hotkey ${bob} is uid ${uid} on subnet 2, stake \\d+\\.\\d{4} α, validator permit$`,
      ),
    );
    await expectNoConnectionLeft();
  }, 180_000);

  it('a missing wallet: the create command; its registration cannot be checked', async () => {
    const w = wallet('nobody');
    expect(readHotkeyAddress(w)).toBeUndefined();
    const { by } = await doctor([
      ...walletChecks({ ...w, coldkey: true }),
      ...chainChecks({
        network: proxy.endpoint,
        netuid,
        hotkeyAddress: readHotkeyAddress(w),
        role: 'miner',
      }),
    ]);
    expect(by['wallet files']).toEqual({
      name: 'wallet files',
      status: 'blocker',
      detail: `no hotkey file at ${wallets}/nobody/hotkeys/default`,
      fix: `create it: \`pnpm chain wallet create --wallet.name nobody --wallet.hotkey default --wallet.path ${wallets}\``,
    });
    expect(by['wallet permissions']?.status).toBe('skip');
    expect(by['chain reachable']?.status).toBe('ok');
    expect(by.registration).toEqual({
      name: 'registration',
      status: 'skip',
      detail: "the hotkey's address is unknown (see wallet files)",
    });
    await expectNoConnectionLeft();
  });

  it('a miner not registered: the register command, with its wallet when given', async () => {
    const w = wallet('dave');
    const { by } = await doctor(
      chainChecks({
        network: proxy.endpoint,
        netuid,
        hotkeyAddress: readHotkeyAddress(w),
        role: 'miner',
        wallet: w,
      }),
    );
    expect(by.registration).toEqual({
      name: 'registration',
      status: 'blocker',
      detail: `hotkey ${keys.dave.hotkey.address} is not registered on subnet 2`,
      fix: `register it: \`pnpm miner register --subtensor.network ${proxy.endpoint} --netuid 2 --wallet.name dave --wallet.hotkey default --wallet.path ${wallets}\``,
    });
    await expectNoConnectionLeft();
  });

  it('an unreachable chain: the URL and how to check it; the rest skipped', async () => {
    const { lines, report } = await doctor(
      chainChecks({
        network: 'ws://127.0.0.1:1',
        netuid,
        hotkeyAddress: keys.dave.hotkey.address,
        role: 'miner',
        timeoutMs: 1_000,
      }),
    );
    expect(lines).toEqual([
      '[FAIL] chain reachable  the chain is unreachable at ws://127.0.0.1:1 (no connection within 1 s)',
      '                        fix: is a devnet running there? `pnpm devnet` starts one on ws://127.0.0.1:9944 (`--port N` for another port); or pass the right --subtensor.network',
      '[skip] subnet           needs chain reachable first',
      '[skip] registration     needs subnet first',
      '1 blocker, 0 warnings: fix the blockers before starting',
    ]);
    expect(report.blockers).toBe(1);
  });

  it('a subnet that does not exist: blocker, the subnets there are; connection closed', async () => {
    const { by } = await doctor(
      chainChecks({
        network: proxy.endpoint,
        netuid: 9,
        hotkeyAddress: keys.charlie.hotkey.address,
        role: 'miner',
      }),
    );
    expect(by.subnet).toEqual({
      name: 'subnet',
      status: 'blocker',
      detail: `subnet 9 does not exist on ${proxy.endpoint}`,
      fix: 'check --netuid: the subnets there are 0, 1, 2',
    });
    expect(by.registration?.status).toBe('skip');
    await expectNoConnectionLeft();
  });

  it('bad permissions: a hotkey others can open is a blocker, a coldkey a warning', async () => {
    const w = wallet('eve');
    const hotkey = join(wallets, 'eve/hotkeys/default');
    const coldkey = join(wallets, 'eve/coldkey');
    const permissions = async () => (await doctor(walletChecks(w))).by['wallet permissions'];
    try {
      chmodSync(coldkey, 0o640);
      expect(await permissions()).toEqual({
        name: 'wallet permissions',
        status: 'warn',
        detail: `the coldkey file ${coldkey} is open to group or others (mode 640)`,
        fix: `chmod 600 ${coldkey}`,
      });
      chmodSync(hotkey, 0o644);
      expect(await permissions()).toEqual({
        name: 'wallet permissions',
        status: 'blocker',
        detail: `the hotkey file ${hotkey} is open to group or others (mode 644): the daemon refuses to load it; the coldkey file ${coldkey} is open to group or others (mode 640)`,
        fix: `chmod 600 ${hotkey} ${coldkey}`,
      });
      chmodSync(coldkey, 0o666);
      chmodSync(hotkey, 0o600);
      expect(await permissions()).toEqual({
        name: 'wallet permissions',
        status: 'blocker',
        detail: `the coldkey file ${coldkey} is writable by anyone (mode 666)`,
        fix: `chmod 600 ${coldkey}`,
      });
    } finally {
      chmodSync(hotkey, 0o600);
      chmodSync(coldkey, 0o600);
    }
    expect((await permissions())?.status).toBe('ok');
  });
});

describe("chopsticks' own lines", () => {
  it('reach the logger the devnet was started with, at the level asked', () => {
    const chopsticks = log.lines().filter((l) => l.module === 'chopsticks');
    expect(chopsticks.some((l) => /^bittensor new head #\d+$/.test(String(l.msg)))).toBe(true);
    expect(chopsticks.every((l) => Number(l.level) >= 30)).toBe(true);
  });
});
