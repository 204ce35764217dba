// `temporal-server`: the real Temporal server (v1.29.1) on PostgreSQL, in the foreground: schemas created/updated,
// config written, services started, namespace and search attributes registered. `--install-only` finds or builds
// the binaries and exits (what .ci/run uses to provision them), `--schema-only` sets up the schemas and exits.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, maskUrl, type Config } from '../../config';
import {
  TEMPORAL_SERVER_VERSION,
  ensureTemporalServerBinaries,
  setupTemporalSchemas,
  startTemporalServer,
  type TemporalServerOptions,
} from '../../tooling/temporal-server';
import { CliError, intOption, output } from '../util';

/** The PostgreSQL server for Temporal's databases: --postgres-url, TEMPORAL_POSTGRES_URL, else DATABASE_URL's server. */
export function temporalPostgresUrl(config: Pick<Config, 'TEMPORAL_POSTGRES_URL' | 'DATABASE_URL'>, flag?: string): string | undefined {
  return flag ?? config.TEMPORAL_POSTGRES_URL ?? config.DATABASE_URL;
}

/** KEY=VALUE with a JSON value (a bare word is a string). */
function parseDynamicConfig(items: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new CliError(`--dynamic-config ${item}: expected KEY=VALUE`);
    const raw = item.slice(eq + 1);
    try {
      out[item.slice(0, eq)] = JSON.parse(raw);
    } catch {
      out[item.slice(0, eq)] = raw;
    }
  }
  return out;
}

interface Opts {
  postgresUrl?: string;
  databasePrefix: string;
  shards: number;
  port?: number;
  dataDir?: string;
  namespace?: string;
  dynamicConfig: string[];
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  requireClientAuth?: boolean;
  tlsAdminCert?: string;
  tlsAdminKey?: string;
  installOnly?: boolean;
  schemaOnly?: boolean;
  json?: boolean;
}

function fileOption(flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!fs.existsSync(file)) throw new CliError(`${flag}: ${file} does not exist`);
  return path.resolve(file);
}

export function register(program: Command): void {
  program
    .command('temporal-server')
    .description(`Run the Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL in the foreground (schemas, config, services, namespace, search attributes); Ctrl-C stops it`)
    .option('--postgres-url <url>', "PostgreSQL server for Temporal's two databases (default: $TEMPORAL_POSTGRES_URL, else the server of $DATABASE_URL)")
    .option('--database-prefix <name>', 'databases <name> and <name>_visibility', 'temporal')
    .option('--shards <n>', 'number of history shards (fixed once the database exists)', intOption('--shards', 1, 16384), 4)
    .option('--port <n>', 'frontend gRPC port (default: the port of TEMPORAL_ADDRESS)', intOption('--port', 1, 65535))
    .option('--data-dir <dir>', 'config files and log (default: $DATA_DIR/temporal-server)')
    .option('--namespace <name>', 'namespace to register (default: $TEMPORAL_NAMESPACE)')
    .option('--dynamic-config <key=value>', 'dynamic config value, JSON (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tls-cert <file>', 'frontend TLS: server certificate (PEM)')
    .option('--tls-key <file>', 'frontend TLS: server private key (PEM)')
    .option('--tls-client-ca <file>', 'frontend TLS: CA of the client certificates (PEM); also trusted for the server certificate')
    .option('--require-client-auth', 'frontend TLS: demand a client certificate signed by --tls-client-ca (mTLS)')
    .option('--tls-admin-cert <file>', "client certificate (PEM) for the server's system worker and this command's own connection (default: --tls-cert)")
    .option('--tls-admin-key <file>', 'its private key (PEM)')
    .option('--install-only', 'find or build the server and sql tool binaries, print their paths, exit')
    .option('--schema-only', 'create or update the two schemas, exit')
    .option('--json', 'print JSON (--install-only, --schema-only)')
    .action(async (opts: Opts) => {
      if (opts.installOnly) {
        const started = Date.now();
        const bins = ensureTemporalServerBinaries();
        output(opts.json, { ...bins, version: TEMPORAL_SERVER_VERSION, ms: Date.now() - started }, () =>
          [`server    ${bins.server}`, `sql tool  ${bins.sqlTool}`, `schemas   ${bins.schemaDir || '(embedded in the sql tool)'}`].join('\n'),
        );
        return;
      }
      const config = loadConfig();
      const postgresUrl = temporalPostgresUrl(config, opts.postgresUrl);
      if (!postgresUrl) throw new CliError('--postgres-url: missing; give it, or set TEMPORAL_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together');
      if (opts.requireClientAuth && !opts.tlsClientCa) throw new CliError('--require-client-auth needs --tls-client-ca');
      if ((opts.tlsClientCa || opts.requireClientAuth || opts.tlsAdminCert) && !opts.tlsCert) throw new CliError('--tls-client-ca, --require-client-auth and --tls-admin-cert need --tls-cert and --tls-key');
      if ((opts.tlsAdminCert === undefined) !== (opts.tlsAdminKey === undefined)) throw new CliError('--tls-admin-cert and --tls-admin-key go together');
      const [host, portText] = config.TEMPORAL_ADDRESS.split(':') as [string, string];
      const say = (s: string) => process.stderr.write(`${s}\n`);
      const serverOpts: TemporalServerOptions = {
        postgresUrl,
        databasePrefix: opts.databasePrefix,
        shards: opts.shards,
        host,
        frontendPort: opts.port ?? Number(portText),
        dataDir: path.resolve(opts.dataDir ?? path.join(config.dataDir, 'temporal-server')),
        namespace: opts.namespace ?? config.TEMPORAL_NAMESPACE,
        dynamicConfig: parseDynamicConfig(opts.dynamicConfig),
        tls: opts.tlsCert
          ? {
              serverCert: fileOption('--tls-cert', opts.tlsCert)!,
              serverKey: fileOption('--tls-key', opts.tlsKey)!,
              clientCa: fileOption('--tls-client-ca', opts.tlsClientCa),
              requireClientAuth: !!opts.requireClientAuth,
              clientCert: fileOption('--tls-admin-cert', opts.tlsAdminCert),
              clientKey: fileOption('--tls-admin-key', opts.tlsAdminKey),
            }
          : undefined,
        say,
      };
      process.umask(0o077);
      fs.mkdirSync(serverOpts.dataDir, { recursive: true, mode: 0o700 });
      if (opts.schemaOnly) {
        await setupTemporalSchemas(serverOpts);
        output(opts.json, { postgresUrl: maskUrl(postgresUrl), databases: [opts.databasePrefix, `${opts.databasePrefix}_visibility`] }, () => 'schemas up to date');
        return;
      }
      say(`starting Temporal server ${TEMPORAL_SERVER_VERSION} on ${maskUrl(postgresUrl)} (databases ${opts.databasePrefix}, ${opts.databasePrefix}_visibility; ${opts.shards} shards)...`);
      const server = await startTemporalServer(serverOpts);
      let stopping = false;
      const onSignal = () => {
        if (stopping) return;
        stopping = true;
        say('\nstopping...');
        setTimeout(() => process.exit(1), 30_000).unref();
        void server.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      server.process.once('exit', (code, signal) => {
        if (stopping) return;
        say(`the Temporal server exited (code ${code}, signal ${signal}); see ${server.logFile}`);
        process.exit(1);
      });
      say('');
      say(`  Temporal gRPC    ${server.address}${serverOpts.tls ? ' (TLS)' : ''}`);
      say(`  Namespace        ${server.namespace} (search attributes registered)`);
      say(`  Persistence      ${maskUrl(postgresUrl)}: ${opts.databasePrefix}, ${opts.databasePrefix}_visibility (SQL visibility), ${opts.shards} history shards`);
      say(`  Config           ${server.configDir}`);
      say(`  Log              ${server.logFile}`);
      say(`  Web UI           not started: ${uiHint(server.address)}`);
      say('');
      say(`  Workers and the CLI: TEMPORAL_ADDRESS=${server.address}.  Ctrl-C stops the server.`);
      process.stdout.write(`${server.address}\n`);
    });
}

/** How to get a Web UI for a server without the dev server's embedded one. */
export function uiHint(address: string): string {
  const port = address.split(':').at(-1);
  return `run the Temporal UI server against it, e.g. docker run --rm --network host -e TEMPORAL_ADDRESS=127.0.0.1:${port} -e TEMPORAL_UI_PORT=8233 temporalio/ui:v2.42.1 (README: Temporal on PostgreSQL)`;
}
