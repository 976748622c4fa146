/**
 * ApiVersions (18), v0–3: the APIs and version ranges this server speaks. Clients ask first and pick
 * versions from the answer. (A version outside 0–3 is answered by the dispatcher in v0 format with
 * UNSUPPORTED_VERSION; v3's request header is flexible but its response header never is.)
 */

import { defineApi } from '../api-handler.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../messages/api-versions.js';

export const apiVersions = defineApi({
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  minVersion: 0,
  maxVersion: 3,
  async handle(_request, context) {
    return {
      errorCode: 0,
      apiKeys: context.apis.map((api) => ({ apiKey: api.request.apiKey as number, minVersion: api.minVersion, maxVersion: api.maxVersion })),
      throttleTimeMs: 0,
    };
  },
});
