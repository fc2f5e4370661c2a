import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot, readAsset } from '../../assets.js';
import type { ExportedResults } from './fromExportedResults.js';
import { fromExportedResults } from './fromExportedResults.js';

export const SAMPLE_FLEET_DIR = 'samples/fleet';

/** The bundled sample fleet's query results (samples/fleet/*.json, az CLI format), as signals. */
export function readSampleFleet(): ExportedResults & { files: string[] } {
  const files = readdirSync(join(packageRoot(), SAMPLE_FLEET_DIR))
    .filter((f) => f.endsWith('.json'))
    .sort();
  const out: ExportedResults & { files: string[] } = {
    signals: [],
    rowErrors: [],
    rows: 0,
    skipped: 0,
    tables: {},
    files,
  };
  for (const file of files) {
    const part = fromExportedResults(readAsset(`${SAMPLE_FLEET_DIR}/${file}`), { source: file });
    out.signals.push(...part.signals);
    out.rowErrors.push(...part.rowErrors);
    if (part.error) out.rowErrors.push(part.error);
    out.rows += part.rows;
    out.skipped += part.skipped;
    for (const [t, n] of Object.entries(part.tables)) {
      const key = t as keyof ExportedResults['tables'];
      out.tables[key] = (out.tables[key] ?? 0) + n;
    }
  }
  return out;
}
