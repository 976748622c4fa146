/**
 * DescribeAcls (29), v0–3: the ACL bindings a filter selects, grouped by resource pattern. Only
 * super users (`super.users`) may read ACLs (CLUSTER_AUTHORIZATION_FAILED otherwise).
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { AclWireError, filterFromWire, operationCode, patternTypeCode, permissionCode, resourceTypeCode } from '../../security/acl-wire.js';
import type { AclEntry } from '../../security/acl-store.js';
import { defineApi } from '../api-handler.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../messages/describe-acls.js';

function groupedByResource(entries: readonly AclEntry[]) {
  const resources = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] }>();
  for (const entry of entries) {
    const key = `${entry.resourceType}\u0000${entry.patternType}\u0000${entry.name}`;
    let resource = resources.get(key);
    if (resource === undefined) {
      resource = { resourceType: resourceTypeCode(entry.resourceType), resourceName: entry.name, patternType: patternTypeCode(entry.patternType), acls: [] };
      resources.set(key, resource);
    }
    resource.acls.push({ principal: entry.principal, host: entry.host, operation: operationCode(entry.operation), permissionType: permissionCode(entry.permission) });
  }
  return [...resources.values()];
}

export const describeAcls = defineApi({
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const admin = context.security.aclAdmin;
    if (admin === null) return { throttleTimeMs: 0, errorCode: KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: `${context.security.principal} may not read ACLs (only super.users may)`, resources: [] };
    try {
      const matches = filterFromWire(request);
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: groupedByResource(admin.list().filter(matches)) };
    } catch (error) {
      if (!(error instanceof AclWireError)) throw error;
      return { throttleTimeMs: 0, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: error.message, resources: [] };
    }
  },
});
