/**
 * CreateAcls (30), v0–3: adds topic and group ACL bindings to the data directory's ACL file
 * (the same store `strata acls` edits). Only super users (`super.users`) may change ACLs: anyone
 * else gets CLUSTER_AUTHORIZATION_FAILED per binding. Other resource types, ANY/MATCH patterns and
 * unknown operations are INVALID_REQUEST.
 */

import { KafkaErrorCode } from '../../broker/kafka-error-codes.js';
import { AclError, checkAclEntry, type AclEntry } from '../../security/acl-store.js';
import { AclWireError, bindingFromWire } from '../../security/acl-wire.js';
import { defineApi } from '../api-handler.js';
import { CreateAclsRequest, CreateAclsResponse } from '../messages/create-acls.js';

export const createAcls = defineApi({
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, context) {
    const admin = context.security.aclAdmin;
    if (admin === null) {
      return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: `${context.security.principal} may not change ACLs (only super.users may)` })) };
    }
    const parsed = request.creations.map((creation): AclEntry | Error => {
      try {
        return checkAclEntry(bindingFromWire(creation));
      } catch (error) {
        if (error instanceof AclWireError || error instanceof AclError) return error;
        throw error;
      }
    });
    await admin.add(parsed.filter((entry): entry is AclEntry => !(entry instanceof Error)));
    return {
      throttleTimeMs: 0,
      results: parsed.map((entry) => (entry instanceof Error ? { errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: entry.message } : { errorCode: 0, errorMessage: null })),
    };
  },
});
