/**
 * Task synapses through the axon's `verifyRequest`: a signed valid request of each verifies with
 * its fields parsed; each invalid example, sent as a signed request, gets 400 with the field named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Dendrite } from '../dendrite';
import type { Hotkey } from '../keys';
import { NonceWindow } from '../nonceWindow';
import { synapseRegistry } from '../synapseRegistry';
import { devHotkey } from '../testing/devKeys';
import {
  INVALID_TASK_EXAMPLES,
  TASK_DEFS,
  type TaskSynapseName,
  VALID_TASK_INPUTS,
} from '../testing/taskExamples';
import { SignatureVerifier } from '../verifier';
import { type AxonRequest, type VerifyContext, verifyRequest } from '../verifyRequest';
import { TASK_SYNAPSES } from './taskSynapses';

let dendrite: Dendrite;
let axonHotkey: string;

beforeAll(async () => {
  const alice: Hotkey = await devHotkey('alice');
  axonHotkey = (await devHotkey('bob')).address;
  dendrite = new Dendrite({ hotkey: alice, uuid: '0b7c2f7e-1cec-11ee-b0dc-e29ce36fec1a' });
});

function ctx(): VerifyContext {
  return {
    axonHotkey,
    synapses: synapseRegistry(TASK_SYNAPSES),
    nonces: new NonceWindow(),
    verifier: new SignatureVerifier(),
  };
}

function signed(name: TaskSynapseName, body?: Readonly<Record<string, unknown>>): AxonRequest {
  const def = TASK_DEFS[name];
  const p = dendrite.prepare(
    { ip: '127.0.0.1', port: 8091, hotkey: axonHotkey },
    def,
    VALID_TASK_INPUTS[name] as never,
  );
  let text = p.body;
  if (body) {
    // Swap the task fields for the given ones after signing, as a peer that skips validation would.
    const json = JSON.parse(p.body) as Record<string, unknown>;
    for (const key of Object.keys(def.schema.shape)) delete json[key];
    text = JSON.stringify({ ...json, ...body });
  }
  return { path: `/${def.name}`, headers: { ...p.headers }, body: text };
}

describe('task synapses at the axon', () => {
  it.each(Object.keys(TASK_DEFS) as TaskSynapseName[])(
    'a signed valid %s verifies',
    async (name) => {
      const r = await verifyRequest(signed(name), ctx());
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.def).toBe(TASK_DEFS[name]);
      for (const [key, value] of Object.entries(VALID_TASK_INPUTS[name]))
        expect(r.synapse[key]).toStrictEqual(value);
    },
  );

  it.each(INVALID_TASK_EXAMPLES.map((x) => [`${x.synapse}.${x.field}: ${x.why}`, x] as const))(
    '400 for %s',
    async (_, example) => {
      const r = await verifyRequest(signed(example.synapse, example.input), ctx());
      expect(r).toMatchObject({ ok: false, status: 400, code: 'INVALID_SYNAPSE' });
      if (r.ok) return;
      const prefix = `invalid ${example.synapse}: `;
      expect(r.message.startsWith(`${prefix}${example.field}: `)).toBe(true);
      expect(r.message.slice(prefix.length)).toMatch(example.error);
    },
  );
});
