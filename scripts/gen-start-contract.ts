// Writes docs/start-contract.schema.json from contract/start-contract.ts (a unit test checks it is current).
//   node --import tsx scripts/gen-start-contract.ts
import fs from 'node:fs';
import path from 'node:path';
import { startContractJsonSchema } from '../contract/start-contract';

const file = path.resolve(__dirname, '../docs/start-contract.schema.json');
fs.writeFileSync(file, `${JSON.stringify(startContractJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
