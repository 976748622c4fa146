/**
 * IncrementalAlterConfigs (44), v0–1: changes some config keys of topics (resource type 2), each
 * key SET (0) to a value or DELETEd (1) back to the broker's or Kafka's default; the other keys
 * keep their values. APPEND (2) and SUBTRACT (3) are refused (INVALID_CONFIG): the only list-typed
 * key, cleanup.policy, is better set whole. Every key and value is checked before anything
 * changes, so a resource is changed entirely or not at all; validateOnly checks only. Broker
 * resources (type 4) are read-only here: a broker's settings come from `strata serve --config /
 * --set` at start (INVALID_REQUEST). Errors are per resource; the change applies to the logs at
 * once and is stored in the topic metadata (crash-safe).
 */

import type { BrokerCore } from '../../broker/broker-core.js';
import { BrokerError } from '../../broker/broker-error.js';
import { definitionOf, parseConfigMap } from '../../broker/config-values.js';
import { checkTopicName } from '../../broker/topic-name.js';
import { defineApi } from '../api-handler.js';
import { changeTopicConfigs } from '../topic-config-changes.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, type IncrementalAlterConfigsRequestAlterConfigsResource } from '../messages/incremental-alter-configs.js';

/** Kafka's ConfigResource.Type. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

/** Kafka's AlterConfigOp.OpType. */
const OP_SET = 0;
const OP_DELETE = 1;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/** The resource's change as set/remove, every key and value validated; throws the error it deserves. */
function changeOf(resource: IncrementalAlterConfigsRequestAlterConfigsResource, broker: BrokerCore): { set: Record<string, string>; remove: string[] } {
  if (resource.resourceType === RESOURCE_BROKER) {
    throw new BrokerError('INVALID_REQUEST', 'broker settings are read-only while Strata runs: set them at start (strata serve --config FILE / --set key=value)');
  }
  if (resource.resourceType !== RESOURCE_TOPIC) throw new BrokerError('INVALID_REQUEST', `unsupported resource type ${resource.resourceType} (topics: 2)`);
  checkTopicName(resource.resourceName);
  broker.topics.get(resource.resourceName);
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const named = new Set<string>();
  for (const config of resource.configs) {
    if (named.has(config.name)) throw new BrokerError('INVALID_REQUEST', `config ${config.name} is named more than once`);
    named.add(config.name);
    if (config.configOperation === OP_SET) {
      if (config.value === null) throw new BrokerError('INVALID_CONFIG', `config ${config.name}: SET needs a value`);
      set[config.name] = config.value;
    } else if (config.configOperation === OP_DELETE) {
      remove.push(config.name);
    } else {
      const op = OP_NAMES[config.configOperation] ?? `operation ${config.configOperation}`;
      throw new BrokerError('INVALID_CONFIG', `config ${config.name}: ${op} is not supported (use SET or DELETE)`);
    }
  }
  parseConfigMap(set, 'topic');
  for (const name of remove) if (definitionOf(name).scope !== 'topic') throw new BrokerError('INVALID_CONFIG', `config ${name}: is a broker setting, not a topic setting`);
  return { set, remove };
}

export const incrementalAlterConfigs = defineApi({
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    return { throttleTimeMs: 0, responses: await changeTopicConfigs(request.resources, request.validateOnly, context, changeOf) };
  },
});
