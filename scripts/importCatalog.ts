/**
 * Regenerates src/catalog/catalog.generated.ts from the upstream pages kept in src/catalog/upstream/.
 * Run after updating an upstream copy: `npm run catalog:import`.
 */
import { writeFileSync } from 'node:fs';
import { renderGeneratedCatalog } from '../src/catalog/importCatalog.js';
import { packageRoot } from '../src/assets.js';
import { join } from 'node:path';

const target = join(packageRoot(), 'src/catalog/catalog.generated.ts');
const text = renderGeneratedCatalog();
writeFileSync(target, text);
process.stdout.write(`wrote ${target}\n`);
