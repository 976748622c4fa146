/**
 * What the broker and the wire protocol log: one line per notable event (topics created and
 * deleted, recovery truncations with file and bytes, segment deletions, logs going offline, group
 * rebalances, cleaner passes) and client errors — error codes in responses, with the API, client
 * id and address. Client errors are limited to one line per client, API and code per minute (a
 * client retrying a missing topic would otherwise fill the log); the codes every healthy group
 * sees while rebalancing are logged at debug.
 */

import type { BrokerEvent, BrokerObserver } from '../broker/broker-observer.js';
import { KafkaErrorCode } from '../broker/kafka-error-codes.js';
import type { RequestObserver } from '../protocol/request-observer.js';
import type { ConnectionInfo, ServerLog } from '../protocol/server.js';
import type { Logger } from './logger.js';
import { errorCodesIn } from './response-errors.js';

const CLIENT_ERROR_INTERVAL_MS = 60_000;
/** Bounds the memory of the rate limit; when full it starts over. */
const MAX_CLIENT_ERROR_KEYS = 10_000;
const ERROR_NAMES = new Map<number, string>(Object.entries(KafkaErrorCode).map(([name, code]) => [code, name]));
/** Codes that are part of normal operation (rebalances, coordinator discovery, topic auto-creation). */
const ROUTINE_ERRORS = new Set<string>([
  'REBALANCE_IN_PROGRESS', 'MEMBER_ID_REQUIRED', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'LEADER_NOT_AVAILABLE', 'TOPIC_ALREADY_EXISTS',
]);

export function eventLogObserver(log: Logger): Required<Pick<BrokerObserver, 'onEvent'>> {
  return { onEvent: (event) => logEvent(log, event) };
}

function logEvent(log: Logger, event: BrokerEvent): void {
  switch (event.type) {
    case 'topic-created':
      log.info({ event: event.type, topic: event.topic, partitions: event.partitions }, 'topic created');
      break;
    case 'topic-deleted':
      log.info({ event: event.type, topic: event.topic }, 'topic deleted');
      break;
    case 'recovery-truncated':
      log.warn({ event: event.type, file: event.file, position: event.position, truncatedBytes: event.truncatedBytes, reason: event.reason }, 'recovery truncated a segment');
      break;
    case 'segment-deleted':
      log.info({ event: event.type, file: event.file, reason: event.reason }, 'segment deleted');
      break;
    case 'log-offline':
      log.error({ event: event.type, directory: event.directory, error: event.error }, 'partition log offline');
      break;
    case 'group-rebalanced':
      log.info({ event: event.type, group: event.groupId, generation: event.generationId, protocol: event.protocol, members: event.memberCount }, 'group rebalanced');
      break;
    case 'log-cleaned':
      log.info({ event: event.type, topic: event.topic, partition: event.partition, bytesBefore: event.bytesBefore, bytesAfter: event.bytesAfter, durationMs: event.durationMs }, 'log cleaned');
      break;
  }
}

export interface ClientErrorLog extends RequestObserver {
  /** Logs the error codes of one response (already extracted with errorCodesIn). */
  log(apiName: string, errorCodes: readonly number[], clientId: string | null, connection: ConnectionInfo): void;
}

/** Logs error codes in responses, with the client's id and address. */
export function clientErrorLogObserver(log: Logger, nowMs: () => number = Date.now): ClientErrorLog {
  const lastLoggedMs = new Map<string, number>();
  const logCodes = (apiName: string, codes: readonly number[], clientId: string | null, connection: ConnectionInfo): void => {
    if (codes.length === 0) return;
    const api = apiName.replace(/Request$/, '');
    for (const code of new Set(codes)) {
      const error = ERROR_NAMES.get(code) ?? String(code);
      const routine = ROUTINE_ERRORS.has(error);
      if (routine && !log.isLevelEnabled('debug')) continue;
      const key = `${clientId}\u0000${connection.remoteAddress}\u0000${api}\u0000${code}`;
      const now = nowMs();
      if (now - (lastLoggedMs.get(key) ?? -Infinity) < CLIENT_ERROR_INTERVAL_MS) continue;
      if (lastLoggedMs.size >= MAX_CLIENT_ERROR_KEYS) lastLoggedMs.clear();
      lastLoggedMs.set(key, now);
      const fields = { event: 'client-error', api, error, errorCode: code, count: codes.filter((c) => c === code).length, clientId, address: `${connection.remoteAddress}:${connection.remotePort}` };
      if (routine) log.debug(fields, 'client error');
      else log.warn(fields, 'client error');
    }
  };
  return {
    log: logCodes,
    onResponse: (apiName, _startNs, response, clientId, connection) => logCodes(apiName, errorCodesIn(response), clientId, connection),
  };
}

/** The wire server's warnings (connections closed for bad frames) as log lines. */
export function serverLog(log: Logger): ServerLog {
  return { warn: (message, details) => log.warn({ event: 'connection-closed', ...details }, message) };
}
