// The codec server `dev` runs next to the Temporal dev server, so that the Web UI it starts (with
// `--ui-codec-endpoint`) can show decoded payloads to whoever holds the token.
//
// Token: S360_CODEC_SERVER_TOKEN, or one generated once and kept in DATA_DIR/codec-server.token (mode 0600), so that
// a browser signed in on the codec server stays signed in across `npm start` restarts. Never logged by the server.
import path from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { Config } from '../config';
import { loadOrCreateKeyFile } from '../config/secrets';
import { getPayloadCodec } from './data-converter';
import { startCodecServer, type RunningCodecServer } from './server';

export const DEV_TOKEN_FILE = 'codec-server.token';

export interface DevCodecServer {
  server: RunningCodecServer;
  /** What a browser and the Web UI use: http://localhost:<port>. Its sign-in cookie is for that host name, so the
   * banner, the UI's codec endpoint and the README all say localhost. */
  browserUrl: string;
  token: string;
  /** Where the token came from: the environment, or the file under DATA_DIR. */
  tokenSource: 'S360_CODEC_SERVER_TOKEN' | string;
}

export async function startDevCodecServer(config: Config, opts: { port?: number; log?: PinoLogger } = {}): Promise<DevCodecServer> {
  const fromEnv = config.S360_CODEC_SERVER_TOKEN;
  // The key-file helper of the secret keys: random, written atomically, mode 0600; its 64 hex characters are the token.
  const token = fromEnv ?? loadOrCreateKeyFile(config.dataDir, DEV_TOKEN_FILE, 'S360_CODEC_SERVER_TOKEN').key.toString('hex');
  const server = await startCodecServer({
    codec: getPayloadCodec(config),
    token,
    allowedOrigins: config.codecCorsOrigins,
    host: '127.0.0.1',
    port: opts.port ?? config.CODEC_SERVER_PORT,
    log: opts.log,
  });
  return { server, browserUrl: `http://localhost:${server.port}`, token, tokenSource: fromEnv ? 'S360_CODEC_SERVER_TOKEN' : path.join(config.dataDir, DEV_TOKEN_FILE) };
}
