import type { NotifyPolicy } from '../notify/policy.js';
import { notifyPolicyDefaults, parseNotifyPolicy } from '../notify/policy.js';
import { loadRoutingConfig } from '../route/loadRoutingConfig.js';
import type { RoutingConfig } from '../route/routingConfig.js';
import type { AppConfig } from './appConfig.js';

export class PipelineConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration problems:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'PipelineConfigError';
  }
}

/**
 * Routing and notification policy from the routing file (ROUTING_CONFIG_PATH) or, without one, the
 * generic webhook in WEBHOOK_URL; every problem named, none thrown half-way. Receiver secrets are
 * read from `env` by the setting names the file gives.
 */
export function routingFromConfig(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
): { routing: RoutingConfig; policy: NotifyPolicy; warnings: string[] } {
  const loaded = loadRoutingConfig(config.routingConfigPath, env);
  if (!loaded.ok) throw new PipelineConfigError(loaded.errors);
  const { policy, errors } = parseNotifyPolicy(
    loaded.config.notify,
    loaded.config.source,
    notifyPolicyDefaults(config.settings),
  );
  if (errors.length > 0) throw new PipelineConfigError(errors);
  return { routing: loaded.config, policy, warnings: loaded.warnings };
}
