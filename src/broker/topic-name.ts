/**
 * Topic names as Kafka allows them: 1–249 characters of [a-zA-Z0-9._-], not "." or "..". A topic
 * name becomes part of a directory name (`<topic>-<partition>`), so nothing else may pass.
 */

import { BrokerError } from './broker-error.js';

const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !LEGAL.test(name) || name === '.' || name === '..') {
    throw new BrokerError('INVALID_TOPIC_EXCEPTION', `invalid topic name ${JSON.stringify(name)}: use 1–249 characters of [a-zA-Z0-9._-], not "." or ".."`);
  }
  return name;
}

/** Kafka's internal topics, which users cannot create or delete. */
export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

export function isInternalTopic(name: string): boolean {
  return name === CONSUMER_OFFSETS_TOPIC;
}
