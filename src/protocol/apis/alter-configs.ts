/**
 * AlterConfigs (33), v0–2 (the older, non-incremental form kafkajs's admin.alterConfigs uses):
 * replaces the whole set of a topic's (resource type 2) config overrides with the keys given;
 * every key not named goes back to the broker's or Kafka's default. Everything is checked before
 * anything changes; validateOnly checks only. Broker resources (type 4) are read-only here
 * (INVALID_REQUEST): a broker's settings come from `strata serve --config / --set` at start.
 * Errors are per resource.
 */

import type { BrokerCore } from '../../broker/broker-core.js';
import { BrokerError } from '../../broker/broker-error.js';
import { parseConfigMap } from '../../broker/config-values.js';
import { checkTopicName } from '../../broker/topic-name.js';
import { defineApi } from '../api-handler.js';
import { changeTopicConfigs } from '../topic-config-changes.js';
import { AlterConfigsRequest, AlterConfigsResponse, type AlterConfigsRequestResource } from '../messages/alter-configs.js';

/** Kafka's ConfigResource.Type. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

/** The new overrides as set/remove against the current ones, validated; throws the error it deserves. */
function changeOf(resource: AlterConfigsRequestResource, broker: BrokerCore): { set: Record<string, string>; remove: string[] } {
  if (resource.resourceType === RESOURCE_BROKER) {
    throw new BrokerError('INVALID_REQUEST', 'broker settings are read-only while Strata runs: set them at start (strata serve --config FILE / --set key=value)');
  }
  if (resource.resourceType !== RESOURCE_TOPIC) throw new BrokerError('INVALID_REQUEST', `unsupported resource type ${resource.resourceType} (topics: 2)`);
  checkTopicName(resource.resourceName);
  const current = broker.topics.get(resource.resourceName).config;
  const set: Record<string, string> = {};
  for (const config of resource.configs) {
    if (config.name in set) throw new BrokerError('INVALID_REQUEST', `config ${config.name} is named more than once`);
    if (config.value === null) throw new BrokerError('INVALID_CONFIG', `config ${config.name}: a value is required`);
    set[config.name] = config.value;
  }
  const named = new Set(Object.keys(parseConfigMap(set, 'topic')));
  return { set, remove: Object.keys(current).filter((name) => !named.has(name)) };
}

export const alterConfigs = defineApi({
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    return { throttleTimeMs: 0, responses: await changeTopicConfigs(request.resources, request.validateOnly, context, changeOf) };
  },
});
