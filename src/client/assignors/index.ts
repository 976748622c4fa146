/**
 * Partition assignors for consumer groups (Kafka's classic group protocol), by protocol name:
 * "range", "roundrobin" and "sticky". Pure functions; see each file for its algorithm.
 */

import type { Assignor } from './assignor.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';
import { stickyAssignor } from './sticky.js';

export type {
  Assignment,
  Assignor,
  AssignorInput,
  AssignorName,
  MemberSubscription,
  TopicPartition,
} from './assignor.js';
export { rangeAssignor, roundRobinAssignor, stickyAssignor };

/** Look-up by the protocol name a member sends in JoinGroup; `get` of an unknown name is undefined. */
export const assignorsByName: ReadonlyMap<string, Assignor> = new Map<string, Assignor>(
  [rangeAssignor, roundRobinAssignor, stickyAssignor].map((assignor) => [assignor.name, assignor]),
);
