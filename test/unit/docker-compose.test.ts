// docker-compose.yml is not run here (no Docker engine on these machines): it is parsed, and checked against the
// native setup the tests run, so the two cannot drift: the Temporal server and admin-tools images are the version of
// tooling/temporal-server.ts; the server loads the config files in deploy/temporal, which must be exactly what the
// native renderer gives for the compose options (regenerated here: scripts/gen-temporal-config.ts); shards,
// databases and dynamic config are those of the native server; the setup job registers exactly the search
// attributes of common/search-attributes.ts with the native retention.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { searchAttributeCliSpecs } from '../../common/search-attributes';
import { COMPOSE_CONFIG_DIR, COMPOSE_SHARDS, CONTAINER_CONFIG_DIR, TLS_CONFIG_ENV, imageTag, renderComposeServerConfigs } from '../../tooling/temporal-compose';
import { CONFIG_ENV, DEFAULT_SERVER_DYNAMIC_CONFIG, NAMESPACE_RETENTION_DAYS, TEMPORAL_SERVER_VERSION, renderServerConfig } from '../../tooling/temporal-server';

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
}

const root = path.resolve(__dirname, '../..');
const composeText = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const doc = parse(composeText) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = doc.services;
const script = (svc: Service) => [...(svc.entrypoint ?? []), ...(svc.command ?? [])].join(' ');

interface ServerConfig {
  persistence: { numHistoryShards: number; defaultStore: string; visibilityStore: string; datastores: Record<string, { sql: { databaseName: string; pluginName: string } }> };
  dynamicConfigClient: { filepath: string };
  services: Record<string, { rpc: { grpcPort: number; bindOnIP: string } }>;
}
const readDeploy = (name: string) => fs.readFileSync(path.join(root, COMPOSE_CONFIG_DIR, name), 'utf8');

describe('docker-compose.yml', () => {
  test('parses, every dependency is a service, commands are real CLI commands', () => {
    const names = Object.keys(services);
    for (const want of ['postgres', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui', 'worker', 'simulator']) assert.ok(names.includes(want), `service ${want}`);
    for (const [name, svc] of Object.entries(services)) {
      assert.ok(svc.image || svc.build, `${name} has an image or a build`);
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const d of deps) assert.ok(names.includes(d), `${name} depends on unknown service ${d}`);
      for (const m of script(svc).matchAll(/bin\/s360-tixngo\.js (\S+)/g)) {
        assert.ok(['worker', 'simulator', 'setup', 'db', 'codec-server'].includes(m[1]!), `${name} runs a known command, not ${m[1]}`);
      }
    }
    assert.ok(fs.existsSync(path.join(root, 'Dockerfile')), 'the build context has a Dockerfile');
    assert.equal(services.worker!.environment!.DATABASE_URL?.startsWith('postgres://'), true);
  });

  test('temporalio/server and temporalio/admin-tools at the native server version; no auto-setup', () => {
    const tag = imageTag(TEMPORAL_SERVER_VERSION);
    assert.equal(services.temporal!.image, `temporalio/server:${tag}`);
    for (const job of ['temporal-schema', 'temporal-setup']) assert.equal(services[job]!.image, `temporalio/admin-tools:${tag}`, job);
    assert.doesNotMatch(composeText, /auto-setup/, 'the deprecated auto-setup image is gone');
  });

  test('start order: schema job, server, setup job, then the worker', () => {
    const cond = (svc: string, dep: string) => (services[svc]!.depends_on as Record<string, { condition?: string }>)[dep]?.condition;
    assert.equal(cond('temporal-schema', 'postgres'), 'service_healthy');
    assert.equal(cond('temporal', 'temporal-schema'), 'service_completed_successfully');
    assert.ok(cond('temporal-setup', 'temporal'));
    assert.equal(cond('worker', 'temporal-setup'), 'service_completed_successfully');
    assert.equal(cond('worker', 'setup'), 'service_completed_successfully');
  });

  test('the schema job creates and updates both databases of the config', () => {
    const config = parse(readDeploy(`${CONFIG_ENV}.yaml`)) as ServerConfig;
    const dbs = Object.values(config.persistence.datastores).map((d) => d.sql.databaseName);
    assert.deepEqual(dbs.sort(), ['temporal', 'temporal_visibility']);
    const s = script(services['temporal-schema']!);
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d']) assert.ok(s.includes(step), `schema job runs ${step}`);
    assert.match(s, /for kind in temporal visibility/);
    assert.match(s, /db=temporal_visibility/);
    assert.equal(services['temporal-schema']!.environment!.SQL_PLUGIN, 'postgres12');
  });

  test('the server loads the mounted deploy/temporal config with the native env name', () => {
    const svc = services.temporal!;
    assert.ok(svc.volumes?.includes(`./${COMPOSE_CONFIG_DIR}:${CONTAINER_CONFIG_DIR}:ro`), 'deploy/temporal mounted as the config dir');
    const args = svc.command!;
    assert.equal(args[args.indexOf('--config') + 1], CONTAINER_CONFIG_DIR);
    assert.equal(args[args.indexOf('--env') + 1], CONFIG_ENV);
    assert.equal(args.at(-1), 'start');
    assert.ok(svc.environment?.TEMPORAL_POSTGRES_PASSWORD, 'the password the config template reads');
  });
});

describe('deploy/temporal (the compose server config) = the native renderer', () => {
  test('every committed file is what scripts/gen-temporal-config.ts writes today (run it after changing the renderer)', () => {
    const rendered = renderComposeServerConfigs();
    assert.deepEqual(fs.readdirSync(path.join(root, COMPOSE_CONFIG_DIR)).filter((f) => f.endsWith('.yaml')).sort(), Object.keys(rendered).sort());
    for (const [name, text] of Object.entries(rendered)) assert.equal(readDeploy(name), text, `${COMPOSE_CONFIG_DIR}/${name} is stale: npm run gen:temporal-config`);
  });

  test('shards, stores and dynamic config are those of the native server; only the frontend bind address differs', () => {
    const native = renderServerConfig({ postgresUrl: 'postgres://s360:x@postgres:5432/s360', frontendPort: 7233, dataDir: '/etc/temporal' });
    const nativeConfig = parse(native.configYaml) as ServerConfig;
    const config = parse(readDeploy(`${CONFIG_ENV}.yaml`)) as ServerConfig;
    assert.equal(config.persistence.numHistoryShards, COMPOSE_SHARDS);
    assert.equal(config.persistence.numHistoryShards, nativeConfig.persistence.numHistoryShards, 'native default shards');
    assert.ok(COMPOSE_SHARDS >= 4);
    assert.deepEqual(config.persistence.datastores, nativeConfig.persistence.datastores);
    assert.equal(config.dynamicConfigClient.filepath, `${CONTAINER_CONFIG_DIR}/dynamicconfig.yaml`, 'the mounted dynamic config');
    assert.equal(config.services.frontend!.rpc.bindOnIP, '0.0.0.0');
    for (const svc of ['history', 'matching', 'worker']) assert.equal(config.services[svc]!.rpc.bindOnIP, nativeConfig.services[svc]!.rpc.bindOnIP, svc);
    assert.equal(readDeploy('dynamicconfig.yaml'), native.dynamicConfigYaml);
    const dynamic = parse(readDeploy('dynamicconfig.yaml')) as Record<string, unknown>;
    for (const key of Object.keys(DEFAULT_SERVER_DYNAMIC_CONFIG)) assert.ok(key in dynamic, `dynamic config sets ${key}`);
    const tls = parse(readDeploy(`${TLS_CONFIG_ENV}.yaml`)) as ServerConfig & { global: { tls?: { frontend?: { server?: { requireClientAuth?: boolean } } } } };
    assert.equal(tls.global.tls?.frontend?.server?.requireClientAuth, true, 'the TLS variant requires client certificates');
    assert.equal(tls.persistence.numHistoryShards, COMPOSE_SHARDS);
  });
});

test('the setup job registers exactly the search attributes of common/search-attributes.ts, with the native retention', () => {
  const s = script(services['temporal-setup']!);
  const registered = [...s.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => ({ name: m[1]!, type: m[2]! }));
  assert.deepEqual(registered, searchAttributeCliSpecs());
  assert.match(s, /--namespace default/);
  assert.match(s, new RegExp(`--retention ${NAMESPACE_RETENTION_DAYS * 24}h`));
  assert.equal(services['temporal-setup']!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
});
