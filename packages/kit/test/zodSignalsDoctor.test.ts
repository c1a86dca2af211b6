import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  formatZodIssues,
  nodeVersionCheck,
  onStopSignals,
  portFreeCheck,
  runChecklist,
} from '../src/index.js';

describe('formatZodIssues', () => {
  it('names each setting as the operator writes it, without zod wording', () => {
    const schema = z
      .object({
        netuid: z.number().int().min(0),
        wallet: z.object({ name: z.string().min(1) }),
        logging: z.object({ level: z.enum(['info', 'debug']) }),
        axon: z.object({ port: z.number().max(65535) }),
      })
      .strict();
    const r = schema.safeParse({
      wallet: { name: '' },
      logging: { level: 'loud' },
      axon: { port: 70000 },
      extra: 1,
    });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(formatZodIssues(r.error, { envPrefix: 'SUBNET_MINER_' })).toEqual([
      '--netuid (or SUBNET_MINER_NETUID) is required',
      '--wallet.name (or SUBNET_MINER_WALLET__NAME) must be at least 1 characters',
      '--logging.level (or SUBNET_MINER_LOGGING__LEVEL) must be one of "info", "debug"',
      '--axon.port (or SUBNET_MINER_AXON__PORT) must be at most 65535',
      'the configuration has unknown settings: extra (check the spelling)',
    ]);
    const t = z.object({ netuid: z.number() }).safeParse({ netuid: 'x' }, { reportInput: true });
    if (!t.success)
      expect(formatZodIssues(t.error)).toEqual(['--netuid must be a number (got "x")']);
  });
});

describe('onStopSignals', () => {
  it('stops gracefully on the first signal and forces on the second', () => {
    const source = new EventEmitter();
    const events: string[] = [];
    const dispose = onStopSignals({
      source: source as never,
      onStop: (s) => events.push(`stop ${s}`),
      onForce: (code) => events.push(`force ${code}`),
    });
    source.emit('SIGTERM');
    source.emit('SIGINT');
    dispose();
    source.emit('SIGINT');
    expect(events).toEqual(['stop SIGTERM', 'force 130']);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });
});

describe('runChecklist', () => {
  it('prints a line per check, skips what depends on a blocker, counts blockers', async () => {
    const out: string[] = [];
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const report = await runChecklist(
      [
        nodeVersionCheck({ major: 20, minor: 19 }, '18.20.1'),
        nodeVersionCheck({ major: 20, minor: 19 }, '22.11.0'),
        portFreeCheck('axon port', '127.0.0.1', port),
        { name: 'chain', needs: ['axon port'], run: () => ({ status: 'ok', detail: 'never run' }) },
        { name: 'hangs', timeoutMs: 50, run: () => new Promise(() => {}) },
        {
          name: 'throws',
          run: () => {
            throw Object.assign(new Error('no wallet'), { code: 'X', fix: 'create it' });
          },
        },
      ],
      (l) => out.push(l),
    );
    busy.close();
    expect(report.blockers).toBe(4);
    expect(report.results.map((r) => r.status)).toEqual([
      'blocker',
      'ok',
      'blocker',
      'skip',
      'blocker',
      'blocker',
    ]);
    expect(out).toEqual([
      '[FAIL] Node.js version  Node.js 18.20.1; at least 20.19 is needed',
      '                        fix: install Node.js 22 or 24 LTS',
      '[ok  ] Node.js version  Node.js 22.11.0',
      `[FAIL] axon port        127.0.0.1:${port} cannot be listened on (EADDRINUSE)`,
      `                        fix: stop what listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another port`,
      '[skip] chain            needs axon port first',
      '[FAIL] hangs            no answer within 0.05 s',
      '[FAIL] throws           no wallet [X]',
      '                        fix: create it',
      '4 blockers, 0 warnings: fix the blockers before starting',
    ]);
  });
});
