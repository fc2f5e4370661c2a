import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedCluster } from '@azure/arm-containerservice';
import { packageRoot, readAsset } from '../../assets.js';
import { snapshotClusterContext } from '../../context/snapshotClusterContext.js';
import type { ContextPort } from '../../ports.js';
import { describeEventGridError, fromEventGrid } from '../eventGrid/fromEventGrid.js';
import type { ExportedResults } from './fromExportedResults.js';
import { fromExportedResults } from './fromExportedResults.js';

export const SAMPLE_FLEET_DIR = 'samples/fleet';
const SAMPLE_ARM = `${SAMPLE_FLEET_DIR}/arm/managedClusters.json`;
const SAMPLE_EVENT_GRID = `${SAMPLE_FLEET_DIR}/eventGrid/events.json`;

export interface SampleFleet extends ExportedResults {
  files: string[];
  /** The fleet as Resource Manager describes it (Kubernetes and node pool versions). */
  context: ContextPort;
}

/**
 * The bundled sample fleet, as signals: its Log Analytics query results (samples/fleet/*.json, az
 * CLI format) and its Event Grid deliveries (eventGrid/events.json), with its saved cluster list
 * (arm/managedClusters.json) as the context look-up.
 */
export function readSampleFleet(): SampleFleet {
  const files = readdirSync(join(packageRoot(), SAMPLE_FLEET_DIR), { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.json'))
    .map((f) => f.name)
    .sort();
  const clusters = JSON.parse(readAsset(SAMPLE_ARM)) as ManagedCluster[];
  const out: SampleFleet = {
    signals: [],
    rowErrors: [],
    rows: 0,
    skipped: 0,
    tables: {},
    files,
    context: snapshotClusterContext(clusters),
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
  const events = fromEventGrid(JSON.parse(readAsset(SAMPLE_EVENT_GRID)));
  out.signals.push(...events.signals);
  out.rowErrors.push(...events.errors.map((e) => `eventGrid/events.json: ${describeEventGridError(e)}`));
  out.rows += events.signals.length + events.ignored.length + events.errors.length;
  out.skipped += events.ignored.length;
  out.files.push('arm/managedClusters.json', 'eventGrid/events.json');
  return out;
}
