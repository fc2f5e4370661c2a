import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package root (the folder holding package.json). Non-code assets (.kql files, bundled samples)
 * are read relative to it, so the same path works from src/ under vitest/tsx and from dist/ when compiled.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'host.json'))) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the aks-alert-enricher package root');
    dir = parent;
  }
}

/** Reads a text asset by its path relative to the package root, e.g. 'src/sources/kql/kubeEvents.kql'. */
export function readAsset(relativePath: string): string {
  return readFileSync(join(packageRoot(), relativePath), 'utf8');
}
