/**
 * Child process for dendriteDeadlines.test.ts: many calls, one shared caller signal, each ended by
 * a short deadline against a server that never answers; then `close()` and nothing else. The
 * process must exit by itself soon after (no timer, socket or listener left) and print no warning.
 *
 *   node --import tsx test/support/deadlineExitProbe.ts <port>
 */
import { Dendrite } from '../../src/index';
import { Dummy, devHotkey } from '../../src/testing/index';

const port = Number(process.argv[2]);
const [alice, bob] = await Promise.all([devHotkey('alice'), devHotkey('bob')]);
const dendrite = new Dendrite({ hotkey: alice, connectionsPerAxon: 64 });
const user = new AbortController();
const target = { ip: '127.0.0.1', port, hotkey: bob.address };
const results = await dendrite.forward(
  Array.from({ length: 30 }, () => target),
  Dummy,
  { dummy_input: 1 },
  { timeout: 60, signal: user.signal, deadlines: { firstByteMs: 300 } },
);
const streamed = dendrite.stream(
  target,
  Dummy,
  { dummy_input: 2 },
  { timeout: 60, signal: user.signal, deadlines: { firstByteMs: 300 } },
);
let step = await streamed.next();
while (!step.done) step = await streamed.next();
await dendrite.close();
process.stdout.write(
  `${JSON.stringify({ statuses: [...results, step.value].map((r) => r.dendrite.status_code) })}\n`,
);
