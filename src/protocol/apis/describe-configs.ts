/**
 * DescribeConfigs (32), v0–4: the configuration of topics (resource type 2) and of this broker
 * (type 4, resource name "0"; "" names the cluster-wide dynamic defaults, of which there are
 * none). A topic shows every topic-level key with its effective value and where it comes from
 * (the topic's override, the broker's setting, or Kafka's default); the broker shows every key it
 * knows, read-only (nothing changes a broker's config while it runs). `configurationKeys` keeps
 * only the keys named (null or empty: all). v0 says isDefault; v1+ says the source instead, and
 * with includeSynonyms lists every layer that sets the key, highest precedence first; v3+ adds the
 * type and, with includeDocumentation, the doc. Errors are per resource.
 */

import type { BrokerCore } from '../../broker/broker-core.js';
import { BrokerError, toBrokerError } from '../../broker/broker-error.js';
import { CONFIG_DEFINITIONS, type ConfigDefinition, type ConfigType } from '../../broker/config-definitions.js';
import { formatConfigValue, type ConfigMap } from '../../broker/config-values.js';
import { checkTopicName } from '../../broker/topic-name.js';
import { defineApi } from '../api-handler.js';
import { DescribeConfigsRequest, DescribeConfigsResponse, type DescribeConfigsRequestResource, type DescribeConfigsResponseResourceResult } from '../messages/describe-configs.js';
import type { MessageInput } from '../wire/schema.js';
import { requireTopic } from '../authorization.js';

/** ConfigResource.Type.TOPIC */
const TOPIC_RESOURCE_TYPE = 2;

/** Kafka's ConfigResource.Type. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

/** Kafka's DescribeConfigsResponse.ConfigSource. */
const SOURCE_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

/** Kafka's DescribeConfigsResponse.ConfigType. */
const CONFIG_TYPES: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6 };
/** Keys Kafka types as LIST (comma-separated values). */
const LIST_KEYS: ReadonlySet<string> = new Set(['cleanup.policy']);
const TYPE_LIST = 7;

interface Layer {
  config: ConfigMap;
  source: number;
}

interface Options {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
  readOnly: boolean;
}

/** One key's entry: the value of the first layer that sets it, else Kafka's default. */
function entryOf(definition: ConfigDefinition, layers: readonly Layer[], options: Options): MessageInput<DescribeConfigsResponseResourceResult> {
  const setters = layers.filter((layer) => definition.name in layer.config);
  const synonyms = [
    ...setters.map((layer) => ({ name: definition.name, value: formatConfigValue(layer.config[definition.name]!), source: layer.source })),
    { name: definition.name, value: formatConfigValue(definition.defaultValue), source: SOURCE_DEFAULT },
  ];
  const effective = synonyms[0]!;
  return {
    name: definition.name,
    value: effective.value,
    readOnly: options.readOnly,
    isDefault: effective.source === SOURCE_DEFAULT,
    configSource: effective.source,
    isSensitive: false,
    synonyms: options.includeSynonyms ? synonyms : [],
    configType: LIST_KEYS.has(definition.name) ? TYPE_LIST : CONFIG_TYPES[definition.type],
    documentation: options.includeDocumentation ? definition.doc : null,
  };
}

function describeResource(resource: DescribeConfigsRequestResource, broker: BrokerCore, options: Omit<Options, 'readOnly'>) {
  const keys = resource.configurationKeys === null || resource.configurationKeys.length === 0 ? null : new Set(resource.configurationKeys);
  const wanted = (definition: ConfigDefinition) => keys === null || keys.has(definition.name);
  const definitions: readonly ConfigDefinition[] = CONFIG_DEFINITIONS;
  switch (resource.resourceType) {
    case RESOURCE_TOPIC: {
      checkTopicName(resource.resourceName);
      const topicConfig = broker.topics.get(resource.resourceName).config;
      const layers = [{ config: topicConfig, source: SOURCE_TOPIC }, { config: broker.config, source: SOURCE_STATIC_BROKER }];
      return definitions.filter((definition) => definition.scope === 'topic' && wanted(definition)).map((definition) => entryOf(definition, layers, { ...options, readOnly: false }));
    }
    case RESOURCE_BROKER: {
      // "": the cluster-wide dynamic broker defaults, which Strata does not have.
      if (resource.resourceName === '') return [];
      if (resource.resourceName !== String(broker.nodeId)) return refuse(`unexpected broker id ${JSON.stringify(resource.resourceName)}: this is broker ${broker.nodeId}`);
      const layers = [{ config: broker.config, source: SOURCE_STATIC_BROKER }];
      return definitions.filter(wanted).map((definition) => entryOf(definition, layers, { ...options, readOnly: true }));
    }
    default:
      return refuse(`unsupported resource type ${resource.resourceType} (topics: 2, brokers: 4)`);
  }
}

function refuse(message: string): never {
  throw new BrokerError('INVALID_REQUEST', message);
}

export const describeConfigs = defineApi({
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  minVersion: 0,
  maxVersion: 4,
  async handle(request, context) {
    const { broker, apiVersion } = context;
    const options = { includeSynonyms: apiVersion >= 1 && request.includeSynonyms, includeDocumentation: apiVersion >= 3 && request.includeDocumentation };
    const results = request.resources.map((resource) => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      try {
        if (resource.resourceType === TOPIC_RESOURCE_TYPE) requireTopic(context, 'DescribeConfigs', resource.resourceName);
        return { ...base, errorCode: 0, errorMessage: null, configs: describeResource(resource, broker, options) };
      } catch (error) {
        const failure = toBrokerError(error);
        return { ...base, errorCode: failure.errorCode, errorMessage: failure.message, configs: [] };
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
