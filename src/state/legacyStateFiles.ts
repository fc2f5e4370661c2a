import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** An entry of a state folder written by earlier versions: one JSON file per entry, one folder per scope. */
export interface LegacyEntry {
  scope: string;
  key: string;
  version: string;
  value: unknown;
}

/** A scope folder's name back to the scope (`^x` is an upper-case letter; long names were hashed and are not read). */
function scopeOfFolder(name: string): string | undefined {
  if (/~[0-9a-f]{32}$/.test(name)) return undefined;
  try {
    return decodeURIComponent(name.replace(/\^([a-z])/g, (_, c: string) => c.toUpperCase()));
  } catch {
    return undefined;
  }
}

const scopeFolders = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch {
    return [];
  }
};

/** Whether the folder holds scope folders of an earlier version. */
export const hasLegacy = (dir: string): boolean =>
  scopeFolders(dir).some((f) => scopeOfFolder(f) !== undefined);

/** Every readable entry of an earlier version's state folder (none when there is none). */
export function legacyEntries(dir: string): LegacyEntry[] {
  const out: LegacyEntry[] = [];
  for (const folder of scopeFolders(dir)) {
    const scope = scopeOfFolder(folder);
    if (scope === undefined) continue;
    for (const name of readdirSync(join(dir, folder))) {
      if (!name.endsWith('.json') || name.startsWith('.tmp-')) continue;
      try {
        const e = JSON.parse(readFileSync(join(dir, folder, name), 'utf8')) as Partial<LegacyEntry>;
        if (typeof e.key === 'string' && typeof e.version === 'string')
          out.push({ scope, key: e.key, version: e.version, value: e.value });
      } catch {
        // Unreadable to earlier versions too: left out.
      }
    }
  }
  return out;
}

/** Removes an earlier version's scope folders once their entries are in the journal. */
export function removeLegacy(dir: string): void {
  for (const folder of scopeFolders(dir))
    if (scopeOfFolder(folder) !== undefined) rmSync(join(dir, folder), { recursive: true, force: true });
}
