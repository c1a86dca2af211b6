/**
 * The protocol demo (`./dev start` until the local network lands): a TypeScript axon (//Bob) and
 * dendrite (//Alice) on loopback, a streamed call, tampered requests refused, and, when the Python
 * test peers are installed (.venv), the reference SDK's dendrite calling our axon.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { Dendrite, defineSynapse, type Synapse } from '../src/index';
import { createTestAxon, Dummy, devHotkey, Prompting } from '../src/testing/index';
import { runPython, VENV_PYTHON } from '../test/support/python';

const Countdown = defineSynapse({
  name: 'Countdown',
  fields: { from: z.int().min(1).max(20) },
  requiredHashFields: ['from'],
  streaming: true,
});

const alice = await devHotkey('alice');
const bob = await devHotkey('bob');
async function* countdown(s: Synapse): AsyncGenerator<unknown> {
  for (let i = s.from as number; i > 0; i--) yield { n: i };
}

const axon = await createTestAxon({
  hotkey: bob,
  synapses: [Dummy, Prompting, Countdown],
  serve: ({ def, synapse: s }) => {
    switch (def.name) {
      case 'Dummy':
        return { fields: { dummy_output: (s.dummy_input as number) * 2 } };
      case 'Prompting':
        return { fields: { completion: `you said: ${(s.messages as string[]).at(-1)}` } };
      case 'Countdown':
        return { events: countdown(s) };
      default:
        return { status: 404, message: 'no handler' };
    }
  },
});
const target = { ip: '127.0.0.1', port: axon.port, hotkey: bob.address };
const dendrite = new Dendrite({ hotkey: alice });
console.log(`axon  //Bob   ${bob.address} on http://127.0.0.1:${axon.port}`);
console.log(`dendrite //Alice ${alice.address}\n`);

const d = await dendrite.call(target, Dummy, { dummy_input: 21 });
console.log(
  `Dummy(21)            → ${d.dendrite.status_code} ${d.dendrite.status_message}, dummy_output=${d.dummy_output}`,
);
const p = await dendrite.call(target, Prompting, { roles: ['user'], messages: ['hello axon'] });
console.log(
  `Prompting            → ${p.dendrite.status_code}, completion=${JSON.stringify(p.completion)}`,
);
const events: unknown[] = [];
const stream = dendrite.stream(target, Countdown, { from: 5 });
let step = await stream.next();
while (!step.done) {
  events.push(step.value);
  step = await stream.next();
}
console.log(
  `Countdown(5) stream  → ${step.value.dendrite.status_code}, events=${JSON.stringify(events)}`,
);

const send = (q: { url: string; headers: Record<string, string>; body: string }) =>
  fetch(q.url, { method: 'POST', headers: q.headers, body: q.body }).then(
    async (r) => `${r.status} ${((await r.json()) as { message: string }).message}`,
  );
const signed = dendrite.prepare(target, Dummy, { dummy_input: 1 });
await send(signed);
console.log(`replayed request     → ${await send(signed)}`);
const tampered = dendrite.prepare(target, Dummy, { dummy_input: 1 });
tampered.body = tampered.body.replace('"dummy_input":1', '"dummy_input":2');
console.log(`body changed         → ${(await send(tampered)).slice(0, 80)}...`);
const bad = dendrite.prepare(target, Dummy, { dummy_input: 1000 });
bad.headers.bt_header_dendrite_nonce = 'yesterday';
console.log(`garbled nonce        → ${await send(bad)}`);

if (existsSync(VENV_PYTHON)) {
  try {
    const out = await runPython('interop_dendrite.py', '', [String(axon.port), bob.address]);
    const r = JSON.parse(out) as Record<string, { dendrite_status: number; dummy_output?: number }>;
    console.log(
      `\nPython SDK (bittensor 10.x) dendrite → our axon: Dummy → ${r.dummy?.dendrite_status}, dummy_output=${r.dummy?.dummy_output}`,
    );
  } catch (e) {
    console.log(`\nPython SDK dendrite could not run: ${String(e).slice(-300)}`);
  }
} else {
  console.log('\n(.venv not found: run ./dev setup to also see the Python SDK call this axon)');
}

await dendrite.close();
await axon.close();
