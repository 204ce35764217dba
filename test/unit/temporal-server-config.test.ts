// renderServerConfig: the Temporal server's config for PostgreSQL (shards, postgres12 plugin, SQL visibility store,
// loopback ports, TLS only when asked, no password in the text) and its dynamic config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_SERVER_DYNAMIC_CONFIG, findTemporalServerBinaries, parsePostgresUrl, renderServerConfig } from '../../tooling/temporal-server';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, walked by the assertions

const base = { postgresUrl: 'postgres://temporal:s3cret@db.example:5433/postgres', dataDir: '/srv/t', frontendPort: 7233 };

test('persistence: default store and SQL visibility on PostgreSQL (postgres12), two databases, 4 shards by default', () => {
  const doc = parse(renderServerConfig(base).configYaml) as Doc;
  assert.equal(doc.persistence.numHistoryShards, 4);
  assert.equal(doc.persistence.defaultStore, 'postgres-default');
  assert.equal(doc.persistence.visibilityStore, 'postgres-visibility');
  const def = doc.persistence.datastores['postgres-default'].sql;
  const vis = doc.persistence.datastores['postgres-visibility'].sql;
  assert.equal(def.pluginName, 'postgres12');
  assert.equal(vis.pluginName, 'postgres12');
  assert.equal(def.databaseName, 'temporal');
  assert.equal(vis.databaseName, 'temporal_visibility');
  assert.equal(def.connectAddr, 'db.example:5433');
  assert.equal(def.user, 'temporal');
  assert.equal(doc.persistence.advancedVisibilityStore, undefined, 'no Elasticsearch');
  const other = parse(renderServerConfig({ ...base, shards: 16, databasePrefix: 'engine_x' }).configYaml) as Doc;
  assert.equal(other.persistence.numHistoryShards, 16);
  assert.equal(other.persistence.datastores['postgres-visibility'].sql.databaseName, 'engine_x_visibility');
});

test('the password is not written: the config is a template reading it from the environment', () => {
  const { configYaml } = renderServerConfig(base);
  assert.ok(!configYaml.includes('s3cret'));
  assert.match(configYaml, /enable-template/);
  assert.match(configYaml, /password: '?\{\{ env "TEMPORAL_POSTGRES_PASSWORD" \}\}'?/);
  const noPassword = renderServerConfig({ ...base, postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres' }).configYaml;
  assert.ok(!/password:/.test(noPassword), 'trust auth: no password line');
});

test('all four services on the given host, the frontend on the given port, distinct ports; cluster metadata names the frontend', () => {
  const doc = parse(renderServerConfig({ ...base, host: '127.0.0.2', frontendPort: 17233 }).configYaml) as Doc;
  assert.deepEqual(Object.keys(doc.services).sort(), ['frontend', 'history', 'matching', 'worker']);
  assert.equal(doc.services.frontend.rpc.grpcPort, 17233);
  const ports: number[] = [];
  for (const s of Object.values(doc.services) as Doc[]) {
    assert.equal(s.rpc.bindOnIP, '127.0.0.2');
    ports.push(s.rpc.grpcPort, s.rpc.membershipPort);
  }
  assert.equal(new Set(ports).size, 8, 'eight distinct ports');
  assert.equal(doc.clusterMetadata.clusterInformation[doc.clusterMetadata.currentClusterName].rpcAddress, '127.0.0.2:17233');
  assert.equal(doc.global.membership.broadcastAddress, '127.0.0.2');
  assert.equal(doc.publicClient.hostPort, '127.0.0.2:17233');
  // Temporal's usual ports around 7233 by default, explicit ones when given.
  const defaults = parse(renderServerConfig(base).configYaml) as Doc;
  assert.deepEqual([defaults.services.history.rpc.grpcPort, defaults.services.matching.rpc.grpcPort, defaults.services.worker.rpc.grpcPort], [7234, 7235, 7239]);
  const given = parse(renderServerConfig({ ...base, ports: { historyGrpc: 40001 } }).configYaml) as Doc;
  assert.equal(given.services.history.rpc.grpcPort, 40001);
});

test('dynamic config: the file is in the config dir; dev-server defaults, overridable, and extra values', () => {
  const { configYaml, dynamicConfigYaml } = renderServerConfig({ ...base, dynamicConfig: { 'system.enableActivityEagerExecution': true, 'frontend.namespaceRPS.visibility': 50 } });
  const doc = parse(configYaml) as Doc;
  assert.equal(doc.dynamicConfigClient.filepath, path.join('/srv/t', 'config', 'dynamicconfig.yaml'));
  const dyn = parse(dynamicConfigYaml) as Record<string, { value: unknown }[]>;
  assert.deepEqual(dyn['system.forceSearchAttributesCacheRefreshOnRead'], [{ value: true }]);
  assert.deepEqual(dyn['system.enableActivityEagerExecution'], [{ value: true }]);
  assert.deepEqual(dyn['frontend.namespaceRPS.visibility'], [{ value: 50 }]);
  for (const key of Object.keys(DEFAULT_SERVER_DYNAMIC_CONFIG)) assert.ok(key in dyn, key);
  const removed = parse(renderServerConfig({ ...base, dynamicConfig: { 'history.hostLevelCacheMaxSize': undefined } }).dynamicConfigYaml) as Doc;
  assert.ok(!('history.hostLevelCacheMaxSize' in removed));
});

test('TLS block only when asked; mTLS names the client CA and gives the system worker a client certificate', () => {
  const plain = parse(renderServerConfig(base).configYaml) as Doc;
  assert.equal(plain.global.tls, undefined);
  const tls = parse(
    renderServerConfig({ ...base, tls: { serverCert: '/c/server.pem', serverKey: '/c/server.key', clientCa: '/c/ca.pem', requireClientAuth: true, clientCert: '/c/admin.pem', clientKey: '/c/admin.key' } })
      .configYaml,
  ) as Doc;
  assert.deepEqual(tls.global.tls.frontend.server, { certFile: '/c/server.pem', keyFile: '/c/server.key', requireClientAuth: true, clientCaFiles: ['/c/ca.pem'] });
  assert.equal(tls.global.tls.systemWorker.certFile, '/c/admin.pem');
  assert.deepEqual(tls.global.tls.systemWorker.client.rootCaFiles, ['/c/ca.pem']);
  assert.equal(tls.global.tls.systemWorker.client.serverName, '127.0.0.1');
  const serverOnly = parse(renderServerConfig({ ...base, tls: { serverCert: '/c/server.pem', serverKey: '/c/server.key' } }).configYaml) as Doc;
  assert.equal(serverOnly.global.tls.frontend.server.requireClientAuth, false);
  assert.equal(serverOnly.global.tls.systemWorker.certFile, undefined, 'no client certificate without mTLS');
  assert.equal(serverOnly.global.tls.systemWorker.client.forceTLS, true);
});

test('deterministic, and bad options are refused naming the option', () => {
  assert.equal(renderServerConfig(base).configYaml, renderServerConfig({ ...base }).configYaml);
  assert.throws(() => renderServerConfig({ ...base, databasePrefix: 'Bad-Name' }), /^Error: databasePrefix: /);
  assert.throws(() => renderServerConfig({ ...base, shards: 0 }), /^Error: shards: /);
  assert.throws(() => renderServerConfig({ ...base, postgresUrl: 'mysql://x@h/db' }), /^Error: postgresUrl: /);
  assert.deepEqual(parsePostgresUrl('postgres://u:p%40ss@h/db?sslmode=require'), { host: 'h', port: 5432, user: 'u', password: 'p@ss', database: 'db', sslmode: 'require' });
});

test('TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH win; a path that is not executable is a clear error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tserver-'));
  const exe = path.join(dir, 'server');
  fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(findTemporalServerBinaries({ TEMPORAL_SERVER_PATH: exe, TEMPORAL_SQL_TOOL_PATH: exe }).server, exe);
  const plain = path.join(dir, 'plain');
  fs.writeFileSync(plain, '', { mode: 0o644 });
  assert.throws(() => findTemporalServerBinaries({ TEMPORAL_SERVER_PATH: plain }), /TEMPORAL_SERVER_PATH: .* is not an executable file/);
  fs.rmSync(dir, { recursive: true, force: true });
});
