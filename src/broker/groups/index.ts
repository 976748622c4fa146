/**
 * Consumer groups: the classic-protocol group coordinator, its request/response shapes, and the
 * store it persists committed offsets through.
 */
export * from './group-api.js';
export { GroupCoordinator, type GroupCoordinatorOptions, type GroupSnapshot, type MemberSnapshot } from './group-coordinator.js';
export type { GroupState } from './group.js';
export type { CommittedOffset, OffsetEntry, OffsetStore } from './offset-store.js';
