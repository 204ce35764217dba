// The Temporal Web UI of `dev`, behind a small loopback proxy that turns on "include credentials" for our codec
// server, so that a browser signed in on the codec server's page sees decoded payloads without touching the UI's
// Codec Server drawer.
//
// Why: the UI calls the codec endpoint with `fetch(…, { credentials: 'include' })` only when its codec setting says
// so. With "Use cluster-level setting" (what a fresh browser has), that setting comes from the UI server's
// /api/v1/settings (`Codec.IncludeCredentials`), and `temporal server start-dev` can set the endpoint
// (`--ui-codec-endpoint`) but not that flag: the UI fetched without the sign-in cookie and got 401, until a person
// switched the drawer to "Use my browser setting", pasted the endpoint and turned the option on. This proxy answers
// /api/v1/settings with `IncludeCredentials: true` when the endpoint is our codec server, and passes every other
// request through untouched. (A UI server configured directly, as the temporalio/ui image is with
// TEMPORAL_CODEC_INCLUDE_CREDENTIALS, needs none of this.)
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UiFrontOptions {
  /** Where the proxy listens (the UI address people open). */
  host: string;
  port: number;
  /** The dev server's own UI (loopback, a private port). */
  upstreamHost: string;
  upstreamPort: number;
  /** Our codec server, as the UI was told (`--ui-codec-endpoint`): only that endpoint gets credentials. */
  codecEndpoint: string;
}

export interface UiFront {
  port: number;
  close(): Promise<void>;
}

const SETTINGS_PATH = /^(?:\/[^?]*)?\/api\/v1\/settings(?:\?.*)?$/;

/** The settings answer with credentials on for our codec endpoint; anything else unchanged. */
export function withCodecCredentials(body: string, codecEndpoint: string): string {
  let settings: unknown;
  try {
    settings = JSON.parse(body);
  } catch {
    return body;
  }
  const codec = (settings as { Codec?: { Endpoint?: unknown; IncludeCredentials?: boolean } } | null)?.Codec;
  if (!codec || codec.Endpoint !== codecEndpoint) return body;
  codec.IncludeCredentials = true;
  return JSON.stringify(settings);
}

export async function startUiFront(opts: UiFrontOptions): Promise<UiFront> {
  const server = http.createServer((req, res) => {
    const settings = req.method === 'GET' && SETTINGS_PATH.test(req.url ?? '');
    const headers = { ...req.headers };
    if (settings) delete headers['accept-encoding']; // read as plain JSON
    const up = http.request({ host: opts.upstreamHost, port: opts.upstreamPort, method: req.method, path: req.url, headers }, (upRes) => {
      if (!settings || upRes.statusCode !== 200) {
        res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
        upRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.once('end', () => {
        const body = Buffer.from(withCodecCredentials(Buffer.concat(chunks).toString('utf8'), opts.codecEndpoint));
        const out = { ...upRes.headers, 'content-length': String(body.length) };
        delete out['transfer-encoding'];
        res.writeHead(200, out).end(body);
      });
      upRes.once('error', () => res.destroy());
    });
    up.once('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end('Temporal UI not reachable\n');
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`Temporal UI: cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`, { cause: err })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
