import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
}

test('docker-compose.yml parses, every dependency is a service, commands are real CLI commands', () => {
  const root = path.resolve(__dirname, '../..');
  const doc = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const names = Object.keys(doc.services);
  for (const want of ['postgres', 'temporal', 'temporal-ui', 'worker', 'simulator']) assert.ok(names.includes(want), `service ${want}`);
  for (const [name, svc] of Object.entries(doc.services)) {
    assert.ok(svc.image || svc.build, `${name} has an image or a build`);
    const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
    for (const d of deps) assert.ok(names.includes(d), `${name} depends on unknown service ${d}`);
    const cmd = (svc.command ?? []).join(' ');
    for (const m of cmd.matchAll(/bin\/s360-tixngo\.js (\S+)/g)) {
      assert.ok(['worker', 'simulator', 'setup', 'db', 'codec-server'].includes(m[1]!), `${name} runs a known command, not ${m[1]}`);
    }
  }
  assert.ok(fs.existsSync(path.join(root, 'Dockerfile')), 'the build context has a Dockerfile');
  assert.equal(doc.services.worker!.environment!.DATABASE_URL?.startsWith('postgres://'), true);
});
