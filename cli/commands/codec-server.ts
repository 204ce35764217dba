// `s360-tixngo codec-server`: decodes the encrypted payloads for the Temporal Web UI (and `temporal --codec-endpoint`),
// with the same key as the workers (S360_CODEC_KEY, or DATA_DIR/codec.key).
import crypto from 'node:crypto';
import type { Command } from 'commander';
import { getPayloadCodec } from '../../codec/data-converter';
import { startCodecServer } from '../../codec/server';
import { loadConfig } from '../../config';
import { getLogger } from '../../observability/logger';
import { CliError } from '../util';

export interface CodecServerCliOptions {
  port: string;
  host: string;
  dev?: boolean;
}

export function register(program: Command): void {
  program
    .command('codec-server')
    .description('serve /decode and /encode for the Temporal UI (payloads are AES-256-GCM encrypted); needs S360_CODEC_SERVER_TOKEN')
    .option('--port <n>', 'port to listen on', '8234')
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option('--dev', 'local development: generate a token for this run when S360_CODEC_SERVER_TOKEN is unset, and print it')
    .addHelpText(
      'after',
      `
Every request needs "Authorization: Bearer <S360_CODEC_SERVER_TOKEN>"; browsers can instead sign in once on the
server's own page (GET /), which sets a cookie. Only the Temporal UI origins may call it from a browser
(S360_CODEC_CORS_ORIGINS, default http://localhost:$TEMPORAL_UI_PORT and http://127.0.0.1:$TEMPORAL_UI_PORT).
Bodies above 16 MiB are refused (413); after 5 wrong tokens (bearer or sign-in) within a minute, an address gets
429 with Retry-After until the minute is over.
Temporal UI: the UI server's codec endpoint http://<host>:<port> with includeCredentials on (the temporalio/ui
image: TEMPORAL_CODEC_ENDPOINT, TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true), or per browser in the UI's Codec Server
drawer ("Use my browser setting", "Include cross-origin credentials" on); open the UI under the same host name.
\`s360-tixngo dev\` (npm start) runs its own codec server, already wired into its UI.
The official CLI: temporal … --codec-endpoint http://<host>:<port> --codec-auth "Bearer <token>".`,
    )
    .action(async (opts: CodecServerCliOptions) => {
      const config = loadConfig();
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: expected a port number, got '${opts.port}'`);
      let token = config.S360_CODEC_SERVER_TOKEN;
      let generated = false;
      if (!token) {
        if (!opts.dev) {
          throw new CliError('S360_CODEC_SERVER_TOKEN is not set: the codec server refuses to start without a token (at least 16 characters, without spaces); for local development only, pass --dev to generate one');
        }
        token = crypto.randomBytes(24).toString('base64url');
        generated = true;
      }
      const codec = getPayloadCodec(config);
      const server = await startCodecServer({ codec, token, allowedOrigins: config.codecCorsOrigins, host: opts.host, port, log: getLogger(config.LOG_LEVEL) });
      const say = (s: string) => process.stderr.write(`${s}\n`);
      const everywhere = /^(0\.0\.0\.0|\[::\]):/.test(server.address) ? ': every interface' : '';
      say(`codec server on ${server.url} (listening on ${server.address}${everywhere}; key id ${codec.keyId}; decrypts ${codec.keyIds.join(', ')})`);
      say(`  CORS origins: ${config.codecCorsOrigins.join(', ')}`);
      if (generated) say(`  token (generated for this run, --dev): ${token}`);
      // Browsers: one host name for the sign-in page and the UI's codec endpoint (the cookie belongs to it).
      const browserUrl = server.url.replace(/^http:\/\/(127\.0\.0\.1|\[::1\])(?=:)/, 'http://localhost');
      say(`  browser sign-in: ${browserUrl}/   then the Temporal UI's codec endpoint: ${browserUrl} with "include credentials" on (same host name as the UI)`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
