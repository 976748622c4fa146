/**
 * Kafka's numeric ACL enums as the CreateAcls / DescribeAcls / DeleteAcls APIs carry them, and the
 * binding filters those APIs take (ANY matches everything; pattern type MATCH matches every
 * pattern that would apply to the named resource: the literal name, `*`, and prefixes of it).
 * Only Topic and Group resources are stored; other types are refused with INVALID_REQUEST.
 */

import { ACL_OPERATIONS, type AclEntry, type AclOperation, type AclPatternType, type AclPermission, type AclResourceType } from './acl-store.js';

/** org.apache.kafka.common.resource.ResourceType */
const RESOURCE_TYPES: Record<number, AclResourceType | 'ANY'> = { 1: 'ANY', 2: 'Topic', 3: 'Group' };
/** org.apache.kafka.common.resource.PatternType */
const PATTERN_TYPES: Record<number, AclPatternType | 'ANY' | 'MATCH'> = { 1: 'ANY', 2: 'MATCH', 3: 'LITERAL', 4: 'PREFIXED' };
/** org.apache.kafka.common.acl.AclOperation */
const OPERATIONS: Record<number, AclOperation | 'ANY'> = { 1: 'ANY', 2: 'All', 3: 'Read', 4: 'Write', 5: 'Create', 6: 'Delete', 7: 'Alter', 8: 'Describe', 10: 'DescribeConfigs', 11: 'AlterConfigs' };
/** org.apache.kafka.common.acl.AclPermissionType */
const PERMISSIONS: Record<number, AclPermission | 'ANY'> = { 1: 'ANY', 2: 'DENY', 3: 'ALLOW' };

function codeOf<T>(table: Record<number, T>, value: T): number {
  return Number(Object.entries(table).find(([, name]) => name === value)![0]);
}

export const resourceTypeCode = (type: AclResourceType): number => codeOf(RESOURCE_TYPES, type);
export const patternTypeCode = (type: AclPatternType): number => codeOf(PATTERN_TYPES, type);
export const operationCode = (operation: AclOperation): number => codeOf(OPERATIONS, operation);
export const permissionCode = (permission: AclPermission): number => codeOf(PERMISSIONS, permission);

export class AclWireError extends Error {
  override readonly name = 'AclWireError';
}

/** A concrete binding from CreateAcls (no ANY / MATCH). */
export function bindingFromWire(binding: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number }): AclEntry {
  const resourceType = RESOURCE_TYPES[binding.resourceType];
  const patternType = PATTERN_TYPES[binding.resourcePatternType];
  const operation = OPERATIONS[binding.operation];
  const permission = PERMISSIONS[binding.permissionType];
  if (resourceType === undefined || resourceType === 'ANY') throw new AclWireError(`resource type ${binding.resourceType} is not supported: Strata has topic (2) and group (3) ACLs`);
  if (patternType !== 'LITERAL' && patternType !== 'PREFIXED') throw new AclWireError(`pattern type ${binding.resourcePatternType} is not LITERAL (3) or PREFIXED (4)`);
  if (operation === undefined || operation === 'ANY') throw new AclWireError(`operation ${binding.operation} is not supported`);
  if (permission === undefined || permission === 'ANY') throw new AclWireError(`permission type ${binding.permissionType} is not ALLOW (3) or DENY (2)`);
  if (!ACL_OPERATIONS.includes(operation)) throw new AclWireError(`operation ${binding.operation} is not supported`);
  return { resourceType, name: binding.resourceName, patternType, principal: binding.principal, host: binding.host, operation, permission };
}

export interface AclFilterWire {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

/** A predicate over stored entries; throws AclWireError for codes it does not know. */
export function filterFromWire(filter: AclFilterWire): (entry: AclEntry) => boolean {
  const resourceType = RESOURCE_TYPES[filter.resourceTypeFilter];
  const patternType = PATTERN_TYPES[filter.patternTypeFilter];
  const operation = OPERATIONS[filter.operation];
  const permission = PERMISSIONS[filter.permissionType];
  if (resourceType === undefined && filter.resourceTypeFilter !== 4) throw new AclWireError(`unknown resource type ${filter.resourceTypeFilter}`);
  if (patternType === undefined || operation === undefined || permission === undefined) throw new AclWireError('unknown pattern type, operation or permission type in the filter');
  const name = filter.resourceNameFilter;
  return (entry) => {
    if (resourceType !== 'ANY' && entry.resourceType !== resourceType) return false;
    if (operation !== 'ANY' && entry.operation !== operation) return false;
    if (permission !== 'ANY' && entry.permission !== permission) return false;
    if (filter.principalFilter !== null && entry.principal !== filter.principalFilter) return false;
    if (filter.hostFilter !== null && entry.host !== filter.hostFilter) return false;
    if (patternType === 'MATCH') {
      if (name === null) return true;
      return entry.patternType === 'LITERAL' ? entry.name === name || entry.name === '*' : name.startsWith(entry.name);
    }
    if (patternType !== 'ANY' && entry.patternType !== patternType) return false;
    return name === null || entry.name === name;
  };
}
