/**
 * DeleteAcls (31), v0–3: removes the ACL bindings each filter selects and reports them. Only
 * super users (`super.users`) may change ACLs (CLUSTER_AUTHORIZATION_FAILED per filter otherwise).
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { AclWireError, filterFromWire, operationCode, patternTypeCode, permissionCode, resourceTypeCode } from '../../security/acl-wire.js';
import { defineApi } from '../api-handler.js';
import { DeleteAclsRequest, DeleteAclsResponse } from '../messages/delete-acls.js';

export const deleteAcls = defineApi({
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const admin = context.security.aclAdmin;
    const filterResults = [];
    for (const filter of request.filters) {
      if (admin === null) {
        filterResults.push({ errorCode: KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: `${context.security.principal} may not change ACLs (only super.users may)`, matchingAcls: [] });
        continue;
      }
      try {
        const removed = await admin.remove(filterFromWire(filter));
        filterResults.push({
          errorCode: 0,
          errorMessage: null,
          matchingAcls: removed.map((entry) => ({ errorCode: 0, errorMessage: null, resourceType: resourceTypeCode(entry.resourceType), resourceName: entry.name, patternType: patternTypeCode(entry.patternType), principal: entry.principal, host: entry.host, operation: operationCode(entry.operation), permissionType: permissionCode(entry.permission) })),
        });
      } catch (error) {
        if (!(error instanceof AclWireError)) throw error;
        filterResults.push({ errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: error.message, matchingAcls: [] });
      }
    }
    return { throttleTimeMs: 0, filterResults };
  },
});
