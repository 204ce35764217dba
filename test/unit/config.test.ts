import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, maskUrl } from '../../config';

test('defaults: local dev server, embedded database under .data', () => {
  const c = loadConfig({});
  assert.equal(c.TEMPORAL_ADDRESS, '127.0.0.1:7233');
  assert.equal(c.TEMPORAL_TASK_QUEUE, 's360-tixngo');
  assert.equal(c.DATABASE_URL, undefined);
  assert.equal(c.dataDir, path.resolve('.data'));
  assert.equal(c.TIXNGO_KEY_HEADER, 'X-TIXNGO-KEY');
});

test('a wrong value stops the start with a message naming the variable and what is expected', () => {
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), (e: Error) => e instanceof ConfigError && /DATABASE_URL: expected a postgres:\/\/ URL/.test(e.message));
  assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' }), /TEMPORAL_ADDRESS: expected host:port/);
  assert.throws(() => loadConfig({ TIXNGO_URL: 'https://api.tixngo.io/v3/organizer' }), /TIXNGO_URL: the TIXNGO URL must end with organizer\/tickets/);
  assert.throws(() => loadConfig({ SIMULATOR_PORT: '70000' }), /SIMULATOR_PORT/);
  assert.throws(() => loadConfig({ TIXNGO_AUTH: 'oauth' }), /TIXNGO_AUTH/);
});

test('several bad variables are all named at once; empty strings count as unset', () => {
  assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 'x', LOG_LEVEL: 'loud' }), (e: Error) => /TEMPORAL_ADDRESS/.test(e.message) && /LOG_LEVEL/.test(e.message));
  assert.equal(loadConfig({ DATABASE_URL: '' }).DATABASE_URL, undefined);
});

test('maskUrl hides passwords: userinfo and password-like query parameters, whatever the scheme', () => {
  assert.equal(maskUrl('postgres://s360:pw-secret@db:5432/s360'), 'postgres://s360:***@db:5432/s360');
  const q = maskUrl('postgres://s360@db:5432/s360?sslmode=require&password=pw-secret&sslpassword=x&application_name=a');
  assert.equal(q, 'postgres://s360@db:5432/s360?sslmode=require&password=***&sslpassword=***&application_name=a');
  assert.equal(maskUrl('https://u:p%40ss@x.example/organizer/tickets?api_key=k1&token=t1#frag'), 'https://u:***@x.example/organizer/tickets?api_key=***&token=***#frag');
  assert.equal(maskUrl('postgres://db/s360?PassWord=pw-secret'), 'postgres://db/s360?PassWord=***');
  assert.equal(maskUrl('postgres://s360@db:5432/s360'), 'postgres://s360@db:5432/s360');
  assert.equal(maskUrl('not a url pw-secret'), '(unparseable URL)');
});

test('metrics listen on 127.0.0.1 unless METRICS_HOST says otherwise; METRICS_HOST is validated', () => {
  assert.equal(loadConfig({}).METRICS_HOST, '127.0.0.1');
  assert.equal(loadConfig({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST, '0.0.0.0');
  assert.equal(loadConfig({ METRICS_HOST: '::' }).METRICS_HOST, '::');
  assert.equal(loadConfig({ METRICS_HOST: 'worker-1.internal' }).METRICS_HOST, 'worker-1.internal');
  for (const bad of ['0.0.0.0:9464', 'http://0.0.0.0', 'a b']) assert.throws(() => loadConfig({ METRICS_HOST: bad }), /METRICS_HOST: expected an IP address or a host name/, bad);
});

test('S360_CODEC_SERVER_TOKEN: 16+ characters without spaces; a blank or padded one is refused, naming it', () => {
  for (const bad of [' '.repeat(20), 'short', `short${' '.repeat(16)}`]) {
    assert.throws(() => loadConfig({ S360_CODEC_SERVER_TOKEN: bad }), /S360_CODEC_SERVER_TOKEN: expected at least 16 characters, without spaces/, JSON.stringify(bad));
  }
  assert.equal(loadConfig({ S360_CODEC_SERVER_TOKEN: 'x'.repeat(16) }).S360_CODEC_SERVER_TOKEN, 'x'.repeat(16));
});
