/**
 * Parsing and validating configuration values (./config-definitions.ts). Values come as numbers,
 * booleans or strings (the wire protocol and the CLI send strings); keys in Kafka's spelling or in
 * camelCase. Anything unknown or out of range is a BrokerError INVALID_CONFIG naming the key.
 */

import type { LogConfig } from '../storage/log-config.js';
import { BrokerError } from './broker-error.js';
import { CONFIG_DEFINITIONS, DEFINITIONS_BY_CAMEL_CASE, DEFINITIONS_BY_NAME, type ConfigDefinition } from './config-definitions.js';

export type ConfigValue = number | boolean | string;
/** Values by Kafka name. */
export type ConfigMap = Record<string, ConfigValue>;

/** Kafka's Long.MAX_VALUE, "never", as sent on the wire. */
const LONG_MAX_TEXT = '9223372036854775807';

function invalid(name: string, message: string): BrokerError {
  return new BrokerError('INVALID_CONFIG', `config ${name}: ${message}`);
}

export function definitionOf(key: string): ConfigDefinition {
  const definition = DEFINITIONS_BY_NAME.get(key) ?? DEFINITIONS_BY_CAMEL_CASE.get(key);
  if (definition === undefined) {
    throw invalid(key, `unknown key (known: ${CONFIG_DEFINITIONS.map((known) => known.name).join(', ')})`);
  }
  return definition;
}

function parseNumber(definition: ConfigDefinition, raw: ConfigValue): number {
  const value = typeof raw === 'number' ? raw : raw === LONG_MAX_TEXT ? Infinity : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const integral = definition.type !== 'double';
  if (Number.isNaN(value) || (integral && value !== Infinity && !Number.isInteger(value))) {
    throw invalid(definition.name, `expected ${integral ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
  }
  if (definition.type === 'int' && value === Infinity) throw invalid(definition.name, 'must be finite');
  if ((definition.min !== undefined && value < definition.min) || (definition.max !== undefined && value > definition.max)) {
    throw invalid(definition.name, `${value} is outside [${definition.min ?? '-∞'}, ${definition.max ?? '∞'}]`);
  }
  return value;
}

/** The validated value of `key` (either spelling), normalised to its type. */
export function parseConfigValue(key: string, raw: ConfigValue): { name: string; value: ConfigValue } {
  const definition = definitionOf(key);
  switch (definition.type) {
    case 'boolean':
      if (raw === true || raw === 'true') return { name: definition.name, value: true };
      if (raw === false || raw === 'false') return { name: definition.name, value: false };
      throw invalid(definition.name, `expected true or false, got ${JSON.stringify(raw)}`);
    case 'string': {
      const text = String(raw);
      if (definition.oneOf !== undefined && !definition.oneOf.includes(text)) throw invalid(definition.name, `expected one of ${definition.oneOf.join(' | ')}, got ${JSON.stringify(text)}`);
      return { name: definition.name, value: text };
    }
    default:
      return { name: definition.name, value: parseNumber(definition, raw) };
  }
}

/** Validates `entries` (either spelling); `scope` 'topic' refuses broker-only keys. Returns Kafka names. */
export function parseConfigMap(entries: Record<string, ConfigValue | undefined>, scope: 'topic' | 'broker'): ConfigMap {
  const parsed: ConfigMap = {};
  for (const [key, raw] of Object.entries(entries)) {
    if (raw === undefined) continue;
    const { name, value } = parseConfigValue(key, raw);
    if (scope === 'topic' && definitionOf(name).scope !== 'topic') throw invalid(name, 'is a broker setting, not a topic setting');
    parsed[name] = value;
  }
  return parsed;
}

/** The effective value of `name`: the topic's, else the broker's, else Kafka's default. */
export function effectiveValue(name: string, ...layers: ConfigMap[]): ConfigValue {
  for (const layer of layers) if (name in layer) return layer[name]!;
  return definitionOf(name).defaultValue;
}

/** A value as Kafka shows it (DescribeConfigs, the CLI). */
export function formatConfigValue(value: ConfigValue): string {
  return value === Infinity ? LONG_MAX_TEXT : String(value);
}

/** The storage settings of a partition from its topic's config over the broker's. */
export function logConfigOf(topicConfig: ConfigMap, brokerConfig: ConfigMap): LogConfig {
  const number = (name: string) => effectiveValue(name, topicConfig, brokerConfig) as number;
  return {
    segmentBytes: number('segment.bytes'),
    segmentMs: number('segment.ms'),
    segmentIndexBytes: number('segment.index.bytes'),
    indexIntervalBytes: number('index.interval.bytes'),
    maxMessageBytes: number('max.message.bytes'),
    retentionMs: number('retention.ms'),
    retentionBytes: number('retention.bytes'),
    flushMessages: number('flush.messages'),
    flushMs: number('flush.ms'),
    compact: String(effectiveValue('cleanup.policy', topicConfig, brokerConfig)).includes('compact'),
    minCleanableDirtyRatio: number('min.cleanable.dirty.ratio'),
    deleteRetentionMs: number('delete.retention.ms'),
    minCompactionLagMs: number('min.compaction.lag.ms'),
  };
}
