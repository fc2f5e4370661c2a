import { globMatches } from '../text.js';

/**
 * Whether a cluster serves production, read from its tags or, without a telling tag, from its name.
 * Views rank production first: a failure there is what a person on call looks at before anything
 * on a development cluster.
 */
export type Environment = 'production' | 'non-production';

const PRODUCTION = new Set(['prod', 'prd', 'production', 'live', 'prod01', 'prod1']);
const NON_PRODUCTION = new Set([
  'dev',
  'development',
  'test',
  'tst',
  'testing',
  'stg',
  'stage',
  'staging',
  'qa',
  'uat',
  'sandbox',
  'sbx',
  'nonprod',
  'non-prod',
  'preprod',
  'pre-prod',
  'demo',
  'lab',
  'int',
  'integration',
]);
const ENV_TAGS = ['env', 'environment', 'stage', 'tier'];

function classify(word: string): Environment | undefined {
  const w = word.trim().toLowerCase();
  if (PRODUCTION.has(w)) return 'production';
  if (NON_PRODUCTION.has(w)) return 'non-production';
  return undefined;
}

export interface EnvironmentRules {
  /** Cluster name globs that are production (the PRODUCTION_CLUSTERS setting); replace the name words when given. */
  productionClusters?: readonly string[];
}

/**
 * A cluster's environment: an `env`/`environment` tag first; then, when production globs are given,
 * whether the name matches one; else the words of its name (`aks-shop-prod-weu`, `aks-ml-dev-eus2`).
 * Undefined when nothing tells.
 */
export function environmentOf(
  name: string | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  rules: EnvironmentRules = {},
): Environment | undefined {
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (!ENV_TAGS.includes(key.toLowerCase())) continue;
    const env = classify(value);
    if (env) return env;
  }
  if (!name) return undefined;
  if (rules.productionClusters && rules.productionClusters.length > 0)
    return rules.productionClusters.some((p) => globMatches(p, name)) ? 'production' : 'non-production';
  let found: Environment | undefined;
  for (const word of name.split(/[-_.\s]+/)) {
    const env = classify(word);
    // A name with both ("aks-prod-test") is not trusted to be production.
    if (env === 'non-production') return env;
    found ??= env;
  }
  return found;
}

/** 0 production, 1 unknown, 2 non-production: a sort key. */
export function environmentRank(env: Environment | undefined): number {
  return env === 'production' ? 0 : env === undefined ? 1 : 2;
}
