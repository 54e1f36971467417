import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiText } from './openapi';

/** `npm run openapi`: writes docs/openapi.json from src/rest/openapi.ts (test/openapi.test.ts fails while it is stale). */
const file = path.resolve(process.cwd(), 'docs', 'openapi.json');
writeFileSync(file, openApiText());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
