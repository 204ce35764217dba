// The Temporal server config files docker-compose.yml mounts (deploy/temporal/), rendered by the same function as
// the native server's (renderServerConfig in tooling/temporal-server.ts): same version, shards, persistence and
// SQL visibility layout, dynamic config. Written by `node --import tsx scripts/gen-temporal-config.ts`; the compose
// test regenerates them and fails on any difference, so the compose file cannot drift from what the tests run.
//
// What differs in a container, and only that: the frontend listens on every interface (other containers call it);
// history, matching and the internal worker stay on loopback inside the one `temporal` container.
import { parse, stringify } from 'yaml';
import { CONFIG_ENV, TEMPORAL_SERVER_VERSION, renderServerConfig, type TemporalServerOptions } from './temporal-server';

/** Where the files live in the repository, and where the compose file mounts that folder in the container. */
export const COMPOSE_CONFIG_DIR = 'deploy/temporal';
export const CONTAINER_CONFIG_DIR = '/etc/temporal/config';
/** PostgreSQL as the compose file has it: service `postgres`, user s360 (password from TEMPORAL_POSTGRES_PASSWORD). */
export const COMPOSE_POSTGRES_URL = 'postgres://s360:from-env@postgres:5432/s360';
export const COMPOSE_FRONTEND_PORT = 7233;
export const COMPOSE_SHARDS = 4;
/** TLS files the `temporal-tls.yaml` variant expects under this folder of the container. */
export const CONTAINER_TLS_DIR = '/etc/temporal/tls';
/** The `--env` of the TLS variant: `temporal-server --env temporal-tls` loads temporal-tls.yaml. */
export const TLS_CONFIG_ENV = `${CONFIG_ENV}-tls`;

/** The image tag of a server version: v1.29.1 -> 1.29.1 (temporalio/server and temporalio/admin-tools). */
export const imageTag = (version = TEMPORAL_SERVER_VERSION): string => version.replace(/^v/, '');

const composeOptions = (tls: boolean): TemporalServerOptions & { frontendPort: number } => ({
  postgresUrl: COMPOSE_POSTGRES_URL,
  databasePrefix: 'temporal',
  shards: COMPOSE_SHARDS,
  frontendPort: COMPOSE_FRONTEND_PORT,
  // renderServerConfig puts the config (and the dynamic config's path) in <dataDir>/config.
  dataDir: CONTAINER_CONFIG_DIR.replace(/\/config$/, ''),
  namespace: 'default',
  tls: tls
    ? {
        serverCert: `${CONTAINER_TLS_DIR}/server.pem`,
        serverKey: `${CONTAINER_TLS_DIR}/server-key.pem`,
        clientCa: `${CONTAINER_TLS_DIR}/ca.pem`,
        requireClientAuth: true,
        serverName: 'temporal',
      }
    : undefined,
});

/** The container override: the frontend on every interface. */
function forContainer(configYaml: string): string {
  const lines = configYaml.split('\n');
  const header = lines.filter((l, i) => l.startsWith('#') && lines.slice(0, i).every((p) => p.startsWith('#'))).join('\n');
  const doc = parse(configYaml) as { services: { frontend: { rpc: { bindOnIP: string } } } };
  doc.services.frontend.rpc.bindOnIP = '0.0.0.0';
  const note = '# docker-compose variant (deploy/temporal, from scripts/gen-temporal-config.ts): the frontend binds 0.0.0.0.';
  return `${header}\n${note}\n${stringify(doc, { lineWidth: 0 })}`;
}

/** File name (in deploy/temporal) -> content. */
export function renderComposeServerConfigs(): Record<string, string> {
  const plain = renderServerConfig(composeOptions(false));
  const tls = renderServerConfig(composeOptions(true));
  return {
    [`${CONFIG_ENV}.yaml`]: forContainer(plain.configYaml),
    [`${TLS_CONFIG_ENV}.yaml`]: forContainer(tls.configYaml),
    'dynamicconfig.yaml': plain.dynamicConfigYaml,
  };
}
