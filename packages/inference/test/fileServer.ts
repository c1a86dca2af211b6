import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP file server for download tests. Per path it can serve the file whole, break
 * the connection halfway ('truncate'), or serve altered bytes ('corrupt'). Honors Range.
 */
export type ServeMode = 'ok' | 'truncate' | 'corrupt' | 'no-range';

export interface FileServer {
  url(path: string): string;
  setMode(path: string, mode: ServeMode): void;
  /** Range headers received, in order ('' for none). */
  ranges: string[];
  close(): Promise<void>;
}

export async function startFileServer(files: Record<string, Uint8Array>): Promise<FileServer> {
  const modes = new Map<string, ServeMode>();
  const ranges: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').slice(1);
    const body = files[path];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const mode = modes.get(path) ?? 'ok';
    const range = mode === 'no-range' ? '' : (req.headers.range ?? '');
    ranges.push(range);
    let data =
      mode === 'corrupt' ? Uint8Array.from(body, (b, i) => (i === 7 ? b ^ 0xff : b)) : body;
    let status = 200;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
    };
    const match = /^bytes=(\d+)-$/.exec(range);
    if (match) {
      const start = Number(match[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
      data = data.subarray(start);
      status = 206;
    }
    headers['content-length'] = String(data.length);
    res.writeHead(status, headers);
    if (mode === 'truncate') {
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => {
        res.socket?.destroy();
      });
      return;
    }
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    setMode: (path, mode) => modes.set(path, mode),
    ranges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
