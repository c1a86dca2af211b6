import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dendrite } from './dendrite';
import type { Hotkey } from './keys';
import { NonceWindow } from './nonceWindow';
import { defineSynapse, type SynapseDef } from './synapse';
import { synapseRegistry } from './synapseRegistry';
import { devHotkey } from './testing/devKeys';
import { Dummy } from './testing/exampleSynapses';
import { SignatureVerifier } from './verifier';
import { type AxonRequest, type VerifyContext, verifyRequest } from './verifyRequest';

const Bounded = defineSynapse({
  name: 'Bounded',
  fields: { steps: z.int().min(1).max(50), cfg_scale: z.number().min(1).max(12) },
  requiredHashFields: ['steps', 'cfg_scale'],
});

let alice: Hotkey;
let bob: Hotkey;
let charlie: Hotkey;
let dendrite: Dendrite;
const target = () => ({ ip: '127.0.0.1', port: 8091, hotkey: bob.address });

function ctx(over: Partial<VerifyContext> = {}): VerifyContext {
  return {
    axonHotkey: bob.address,
    synapses: synapseRegistry([Dummy, Bounded]),
    nonces: new NonceWindow(),
    verifier: new SignatureVerifier(),
    ...over,
  };
}

function request(
  def: SynapseDef = Dummy,
  fields: Record<string, unknown> = { dummy_input: 3 },
): AxonRequest {
  const p = dendrite.prepare(target(), def, fields as never, 12);
  return { path: `/${def.name}`, headers: { ...p.headers }, body: p.body };
}

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  charlie = await devHotkey('charlie');
  dendrite = new Dendrite({ hotkey: alice, uuid: '5ecbd69c-1cec-11ee-b0dc-e29ce36fec1a' });
});

describe('verifyRequest', () => {
  it('accepts a signed request and rebuilds the synapse from headers and body', async () => {
    const r = await verifyRequest({ ...request(), remoteIp: '10.1.2.3', remotePort: 5555 }, ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.synapse.dummy_input).toBe(3);
    expect(r.synapse.dendrite.hotkey).toBe(alice.address);
    expect(r.synapse.dendrite.ip).toBe('10.1.2.3');
    expect(r.synapse.dendrite.port).toBe(5555);
    expect(r.synapse.timeout).toBe(12);
    expect(r.bodyHash).toBe(r.synapse.computed_body_hash);
  });

  it('404 for an unknown synapse, 400 for no name', async () => {
    const r = await verifyRequest({ ...request(), path: '/Nope' }, ctx());
    expect(r).toMatchObject({ ok: false, status: 404, code: 'UNKNOWN_SYNAPSE' });
    if (!r.ok)
      expect(r.message).toBe(
        `Synapse name 'Nope' not found. Available synapses ["Dummy","Bounded"]`,
      );
    expect(await verifyRequest({ ...request(), path: '/' }, ctx())).toMatchObject({ status: 400 });
  });

  it('400 for a non-numeric nonce, garbled timeout or duplicated header', async () => {
    const a = request();
    a.headers.bt_header_dendrite_nonce = '12abc';
    const r = await verifyRequest(a, ctx());
    expect(r).toMatchObject({ ok: false, status: 400, code: 'BAD_HEADERS' });
    if (!r.ok)
      expect(r.message).toContain(
        "header 'bt_header_dendrite_nonce' must be an integer, got '12abc'",
      );
    const b = request();
    b.headers.timeout = 'soon';
    expect(await verifyRequest(b, ctx())).toMatchObject({ status: 400, code: 'BAD_HEADERS' });
    const c = request();
    c.headers.bt_header_dendrite_hotkey = [alice.address, bob.address];
    expect(await verifyRequest(c, ctx())).toMatchObject({ status: 400, code: 'BAD_HEADERS' });
  });

  it('401 when the hotkey, nonce or signature header is missing', async () => {
    for (const h of [
      'bt_header_dendrite_hotkey',
      'bt_header_dendrite_nonce',
      'bt_header_dendrite_signature',
    ]) {
      const req = request();
      delete req.headers[h];
      expect(await verifyRequest(req, ctx())).toMatchObject({
        ok: false,
        status: 401,
        code: 'NOT_VERIFIED',
      });
    }
  });

  it('401 for a replayed nonce, accepting the first use', async () => {
    const c = ctx();
    const req = request();
    expect((await verifyRequest(req, c)).ok).toBe(true);
    const again = await verifyRequest(req, c);
    expect(again).toMatchObject({ ok: false, status: 401 });
    if (!again.ok)
      expect(again.message).toBe(
        'Not Verified with error: Nonce is too old, a newer one was last processed',
      );
  });

  it('401 for a stale first nonce (older than 4 s + timeout)', async () => {
    const req = request();
    const now = BigInt(Date.now()) * 1_000_000n;
    const c = ctx({ nonces: new NonceWindow({ now: () => now + 17_000_000_000n }) });
    const r = await verifyRequest(req, c);
    expect(r).toMatchObject({ ok: false, status: 401 });
    if (!r.ok)
      expect(r.message).toMatch(
        /Nonce is too old: acceptable delta is 16\.00 seconds but request was 1[67]\.\d\d seconds old/,
      );
  });

  it('401 for a request addressed to another axon hotkey', async () => {
    const r = await verifyRequest(request(), ctx({ axonHotkey: charlie.address }));
    expect(r).toMatchObject({ ok: false, status: 401 });
    if (!r.ok)
      expect(r.message).toContain(
        `addressed to axon hotkey ${bob.address}, this axon is ${charlie.address}`,
      );
  });

  it('401 for a body changed after signing', async () => {
    const req = request();
    req.body = (req.body as string).replace('"dummy_input":3', '"dummy_input":4');
    const r = await verifyRequest(req, ctx());
    expect(r).toMatchObject({ ok: false, status: 401 });
    if (!r.ok) expect(r.message).toContain('Hash mismatch');
  });

  it('401 for a signature by another key, or a malformed one', async () => {
    const req = request();
    const forged = new Dendrite({ hotkey: charlie, uuid: dendrite.uuid }).prepare(target(), Dummy, {
      dummy_input: 3,
    });
    req.headers.bt_header_dendrite_signature = forged.headers.bt_header_dendrite_signature;
    expect(await verifyRequest(req, ctx())).toMatchObject({ ok: false, status: 401 });
    const bad = request();
    bad.headers.bt_header_dendrite_signature = '0x1234';
    expect(await verifyRequest(bad, ctx())).toMatchObject({ ok: false, status: 401 });
  });

  it('a failed request does not burn the nonce', async () => {
    const c = ctx();
    const req = request();
    const tampered = {
      ...req,
      body: (req.body as string).replace('"dummy_input":3', '"dummy_input":5'),
    };
    expect((await verifyRequest(tampered, c)).ok).toBe(false);
    expect((await verifyRequest(req, c)).ok).toBe(true);
  });

  it('400 with the field named for out-of-range or mistyped fields, and for non-JSON bodies', async () => {
    const req = request(Bounded, { steps: 10, cfg_scale: 7 });
    req.body = (req.body as string).replace('"steps":10', '"steps":500');
    const r = await verifyRequest(req, ctx());
    expect(r).toMatchObject({ ok: false, status: 400, code: 'INVALID_SYNAPSE' });
    if (!r.ok)
      expect(r.message).toBe('invalid Bounded: steps: Too big: expected number to be <=50');
    const t = request();
    t.body = (t.body as string).replace('"dummy_input":3', '"dummy_input":"three"');
    expect(await verifyRequest(t, ctx())).toMatchObject({ status: 400, code: 'INVALID_SYNAPSE' });
    expect(await verifyRequest({ ...request(), body: '{nope' }, ctx())).toMatchObject({
      status: 400,
      code: 'BAD_BODY',
    });
    expect(await verifyRequest({ ...request(), body: '[1]' }, ctx())).toMatchObject({
      status: 400,
      code: 'BAD_BODY',
    });
  });

  it('403 from the blacklist hook, before any signature work', async () => {
    const r = await verifyRequest(
      request(),
      ctx({
        blacklist: ({ hotkey }) =>
          hotkey === alice.address
            ? { blocked: true, reason: 'not registered' }
            : { blocked: false },
      }),
    );
    expect(r).toMatchObject({
      ok: false,
      status: 403,
      message: 'Forbidden. Key is blacklisted: not registered.',
    });
  });

  it('refuses dendrites older than 7.2.0 unless legacy nonces are allowed', async () => {
    const req = request();
    req.headers.bt_header_dendrite_version = '7001000';
    expect(await verifyRequest(req, ctx())).toMatchObject({ ok: false, status: 401 });
    expect(
      (await verifyRequest(req, ctx({ nonces: new NonceWindow({ allowLegacy: true }) }))).ok,
    ).toBe(true);
  });
});
