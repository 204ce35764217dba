// A TIXNGO URL that answers with a redirect must not make the client re-send its credentials and the
// ticket payload to the redirect's target: the call fails, non-retryable, naming only the target host,
// and the target never sees a request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { sampleTicket } from '../../simulator/fixtures';
import { TixngoClient } from '../../tixngo/client';
import { TixngoError } from '../../tixngo/errors';
import { toFailure } from '../../activities/failures';
import { ERR_CONFIG } from '../../common/errors';

const KEY = 'redirect-test-key-Zq81xW';
const LOGIN = 'admin@organizer.example';

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

void describe('TixngoClient and redirects', () => {
  let collector: http.Server;
  let collectorHost: string;
  const collected: { method?: string; url?: string; headers: http.IncomingHttpHeaders }[] = [];
  let redirector: http.Server;
  let redirectorPort: number;
  let status = 307;

  before(async () => {
    const c = await listen((req, res) => {
      collected.push({ method: req.method, url: req.url, headers: req.headers });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    collector = c.server;
    collectorHost = `127.0.0.1:${c.port}`;
    const r = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { Location: `http://${collectorHost}/steal${req.url ?? ''}?token=query-secret` });
        res.end();
      });
    });
    redirector = r.server;
    redirectorPort = r.port;
  });
  after(async () => {
    await close(redirector);
    await close(collector);
  });

  for (const code of [307, 302, 301, 308]) {
    for (const auth of ['header', 'basic'] as const) {
      void test(`HTTP ${code} (${auth} auth): inject, delete and read fail naming the target host; nothing reaches it`, async () => {
        status = code;
        collected.length = 0;
        const client = new TixngoClient({ url: `http://127.0.0.1:${redirectorPort}/v3/organizer/tickets`, login: LOGIN, apiKey: KEY, auth });
        const calls: [string, () => Promise<unknown>][] = [
          ['injectTickets', () => client.injectTickets([sampleTicket('R', 1)])],
          ['deleteTickets', () => client.deleteTickets([{ ticketId: 'R-1', reason: 'CANCELLED', showDeletedTicket: false }])],
          ['getTickets', () => client.getTickets(['R-1'])],
          ['getDiff', () => client.getDiff({ limit: 10 })],
        ];
        for (const [name, call] of calls) {
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(err instanceof TixngoError, `${name}: expected a TixngoError, got ${String(err)}`);
            assert.equal(err.kind, 'redirect', name);
            assert.equal(err.httpStatus, code);
            assert.equal(err.retryable, false);
            assert.equal(err.errorType, ERR_CONFIG);
            assert.ok(err.message.includes(collectorHost), `${name}: the message names the target host: ${err.message}`);
            assert.ok(!err.message.includes('/steal') && !err.message.includes('query-secret'), `${name}: only the host, not the path or query: ${err.message}`);
            assert.ok(!err.message.includes(KEY));
            const failure = toFailure(err, name);
            assert.equal(failure.nonRetryable, true);
            assert.equal(failure.type, ERR_CONFIG);
            return true;
          });
        }
        assert.deepEqual(collected, [], 'the redirect target received no request');
      });
    }
  }
});
