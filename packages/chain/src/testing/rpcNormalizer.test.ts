import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { normalizeRpcText, type RpcNormalizer, startRpcNormalizer } from './rpcNormalizer.js';

describe('normalizeRpcText', () => {
  it('adds 0x to the data of a state_call, keeping the method, block and id', () => {
    const sdk =
      '{"jsonrpc": "2.0", "method": "state_call", "params": ["NeuronInfoRuntimeApi_get_neurons_lite", "0100", null], "id": 7}';
    expect(normalizeRpcText(sdk)).toEqual({
      text: '{"jsonrpc":"2.0","method":"state_call","params":["NeuronInfoRuntimeApi_get_neurons_lite","0x0100",null],"id":7}',
      rewritten: 1,
    });
  });

  it('gives empty data 0x (a call without arguments)', () => {
    const text = '{"method":"state_call","params":["Api_f",""],"id":1}';
    expect(normalizeRpcText(text).text).toBe(
      '{"method":"state_call","params":["Api_f","0x"],"id":1}',
    );
  });

  it('rewrites each state_call of a batch that lacks the prefix, and only those', () => {
    const text = JSON.stringify([
      { id: 1, method: 'state_call', params: ['A_a', '0x01', '0xab'] },
      { id: 2, method: 'state_call', params: ['A_b', 'ff'] },
      { id: 3, method: 'chain_getHeader', params: ['00'] },
    ]);
    const out = normalizeRpcText(text);
    expect(out.rewritten).toBe(1);
    expect(JSON.parse(out.text)).toEqual([
      { id: 1, method: 'state_call', params: ['A_a', '0x01', '0xab'] },
      { id: 2, method: 'state_call', params: ['A_b', '0xff'] },
      { id: 3, method: 'chain_getHeader', params: ['00'] },
    ]);
  });

  it('leaves every other message as the very same text', () => {
    for (const text of [
      '{ "method": "state_call", "params": ["A_a", "0x0100"], "id": 1 }',
      '{"method":"state_call","params":["A_a","not hex"],"id":1}',
      '{"method":"state_call","params":["A_a",5],"id":1}',
      '{"method":"state_call","params":{"name":"A_a","bytes":"0100"},"id":1}',
      '{"method":"state_getStorage","params":["0100"],"id":1}',
      '{"jsonrpc":"2.0","result":"0100","id":1}',
      '[1, "state_call"]',
      'not json',
    ]) {
      expect(normalizeRpcText(text)).toEqual({ text, rewritten: 0 });
    }
  });
});

describe('startRpcNormalizer', () => {
  let upstream: WebSocketServer | undefined;
  let proxy: RpcNormalizer | undefined;
  const received: string[] = [];

  afterEach(async () => {
    await proxy?.close();
    for (const c of upstream?.clients ?? []) c.terminate();
    await new Promise((r) => upstream?.close(r));
    received.length = 0;
  });

  /** A target that records what it receives and answers each frame with `echo:` + the frame. */
  async function start(options: { maxMessageBytes?: number } = {}) {
    upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(upstream, 'listening');
    upstream.on('connection', (s) =>
      s.on('message', (d: RawData, binary) => {
        received.push(String(d));
        s.send(binary ? d : `echo:${String(d)}`, { binary });
      }),
    );
    const port = (upstream.address() as AddressInfo).port;
    proxy = await startRpcNormalizer({ target: `ws://127.0.0.1:${port}`, ...options });
    const client = new WebSocket(proxy.endpoint);
    const replies: string[] = [];
    client.on('message', (d) => replies.push(String(d)));
    await once(client, 'open');
    return { client, replies };
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  }

  it('forwards both ways, rewriting only state_call data', async () => {
    const { client, replies } = await start();
    const other = '{"method":"system_health","params":[],"id":1}';
    client.send(other);
    client.send('{"method":"state_call","params":["A_a","0100",null],"id":2}');
    client.send(Buffer.from([1, 2, 3]), { binary: true });
    await until(() => replies.length === 3);
    expect(received).toEqual([
      other,
      '{"method":"state_call","params":["A_a","0x0100",null],"id":2}',
      '\u0001\u0002\u0003',
    ]);
    expect(replies[0]).toBe(`echo:${other}`);
    expect(proxy?.rewritten).toBe(1);
    expect(proxy?.accepted).toBe(1);
    client.close();
  });

  it('closes the client when the target closes, with the target code', async () => {
    const { client } = await start();
    await until(() => upstream?.clients.size === 1);
    const [server] = [...(upstream?.clients ?? [])];
    server?.close(4001, 'bye');
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(4001);
  });

  it('closes a connection whose frame is above the bound (1009)', async () => {
    const { client } = await start({ maxMessageBytes: 1024 });
    client.send('x'.repeat(2048));
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1009);
    expect(received).toEqual([]);
  });

  it('close() ends every open connection', async () => {
    const { client } = await start();
    const closed = once(client, 'close');
    await proxy?.close();
    proxy = undefined;
    await closed;
    expect(client.readyState).toBe(WebSocket.CLOSED);
  });
});
