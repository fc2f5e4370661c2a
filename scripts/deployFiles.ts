/**
 * What `azd deploy` puts in the function app's package: every file of the project that
 * `.funcignore` does not exclude. Enough of the gitignore rules for that file: globs, `!` negation,
 * a slash-free pattern matching any path segment, the last matching rule winning, and nothing
 * inside an excluded folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function funcignoreRules(root: string): string[] {
  return readFileSync(join(root, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Whether `.funcignore` keeps `path` (relative, with forward slashes) out of the package. */
export function isIgnored(rules: readonly string[], path: string): boolean {
  let out = false;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = (negate ? rule.slice(1) : rule).replace(/^\/|\/$/g, '');
    const glob = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '(?:.*/)?')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    const re = new RegExp(`^${glob}$`);
    const hit = pattern.includes('/') ? re.test(path) : path.split('/').some((p) => re.test(p));
    if (hit) out = !negate;
  }
  return out;
}

/** The files the package holds, with their sizes in bytes. */
export function deployFiles(root: string): { path: string; bytes: number }[] {
  const rules = funcignoreRules(root);
  const out: { path: string; bytes: number }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      const path = relative(root, full).split(sep).join('/');
      if (e.name === '.git' || isIgnored(rules, path)) continue;
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push({ path, bytes: statSync(full).size });
    }
  };
  walk(root);
  return out;
}
