// Writes deploy/temporal/*.yaml, the Temporal server config files docker-compose.yml mounts, from the same
// renderer as the native server (tooling/temporal-compose.ts). Run after changing tooling/temporal-server.ts:
//   node --import tsx scripts/gen-temporal-config.ts        (npm run gen:temporal-config)
// test/unit/docker-compose.test.ts fails while the committed files differ from what this writes.
import fs from 'node:fs';
import path from 'node:path';
import { COMPOSE_CONFIG_DIR, renderComposeServerConfigs } from '../tooling/temporal-compose';

const dir = path.resolve(__dirname, '..', COMPOSE_CONFIG_DIR);
fs.mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(renderComposeServerConfigs())) {
  fs.writeFileSync(path.join(dir, name), text);
  console.log(`wrote ${path.join(COMPOSE_CONFIG_DIR, name)}`);
}
