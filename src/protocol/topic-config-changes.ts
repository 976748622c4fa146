/**
 * The part AlterConfigs (33) and IncrementalAlterConfigs (44) share: each resource is changed on
 * its own, all or nothing, after the principal's AlterConfigs permission on the topic is checked
 * (TOPIC_AUTHORIZATION_FAILED otherwise); validateOnly checks without changing. Each API turns its
 * own resource form into a change (`changeOf`).
 */

import type { BrokerCore } from '../broker/broker-core.js';
import { toBrokerError } from '../broker/broker-error.js';
import type { ConfigValue } from '../broker/config-values.js';
import type { RequestContext } from './api-handler.js';
import { requireTopic } from './authorization.js';

/** Kafka's ConfigResource type for topics. */
const RESOURCE_TOPIC = 2;

export interface TopicConfigChange {
  set: Record<string, ConfigValue>;
  remove: string[];
}

interface ConfigResource {
  resourceType: number;
  resourceName: string;
}

export async function changeTopicConfigs<Resource extends ConfigResource>(
  resources: readonly Resource[],
  validateOnly: boolean,
  context: RequestContext,
  changeOf: (resource: Resource, broker: BrokerCore) => TopicConfigChange,
): Promise<{ resourceType: number; resourceName: string; errorCode: number; errorMessage: string | null }[]> {
  const responses = [];
  for (const resource of resources) {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    try {
      if (resource.resourceType === RESOURCE_TOPIC) requireTopic(context, 'AlterConfigs', resource.resourceName);
      const change = changeOf(resource, context.broker);
      if (!validateOnly) await context.broker.topics.alterConfig(resource.resourceName, change);
      responses.push({ ...base, errorCode: 0, errorMessage: null });
    } catch (error) {
      const failure = toBrokerError(error);
      responses.push({ ...base, errorCode: failure.errorCode, errorMessage: failure.message });
    }
  }
  return responses;
}
