// Request header v0-v2 and response header v0-v1, and which version each API uses.
import { describe, expect, it } from 'vitest';
import {
  API_MESSAGES,
  API_MESSAGES_BY_KEY,
  ApiVersionsRequest,
  ApiVersionsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  RequestHeader,
  SaslHandshakeRequest,
} from '../../../src/protocol/messages/index.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../src/protocol/wire/errors.js';
import {
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeRequestHeader,
  encodeResponse,
  peekRequestApi,
  requestHeaderVersion,
  responseHeaderVersion,
  writeResponse,
} from '../../../src/protocol/wire/headers.js';
import { decodeMessage } from '../../../src/protocol/wire/message-codec.js';

const requestSchemaFor = (apiKey: number) => API_MESSAGES_BY_KEY.get(apiKey)?.request;

/** ApiVersions v3 as a flexible client (librdkafka, the Java client) sends it. */
const apiVersionsV3 = Buffer.concat([
  Buffer.from([0x00, 0x12, 0x00, 0x03]), // api key 18, version 3
  Buffer.from([0x00, 0x00, 0x00, 0x2a]), // correlation id 42
  Buffer.from([0x00, 0x07]), // client id: int16 length, even in header v2
  Buffer.from('rdkafka'),
  Buffer.from([0x00]), // header tagged fields
  Buffer.from([0x0b]), // compact string: length 10 + 1
  Buffer.from('librdkafka'),
  Buffer.from([0x06]),
  Buffer.from('2.3.0'),
  Buffer.from([0x00]), // body tagged fields
]);

describe('request headers', () => {
  it('decodes an ApiVersions v3 request with a flexible (v2) header', () => {
    expect(peekRequestApi(apiVersionsV3)).toEqual({ apiKey: 18, apiVersion: 3 });
    const { header, headerVersion, bodyOffset, schema } = decodeRequestHeader(apiVersionsV3, requestSchemaFor);
    expect(headerVersion).toBe(2);
    expect(schema).toBe(ApiVersionsRequest);
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 3, correlationId: 42, clientId: 'rdkafka' });
    expect(decodeMessage(ApiVersionsRequest, 3, apiVersionsV3, bodyOffset)).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
    const decoded = decodeRequest(ApiVersionsRequest, apiVersionsV3);
    expect(decoded.body.clientSoftwareName).toBe('librdkafka');
    const encoded = encodeRequest(ApiVersionsRequest, 3, { correlationId: 42, clientId: 'rdkafka' }, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
    expect(encoded.equals(apiVersionsV3)).toBe(true);
  });

  it('reads the header of an ApiVersions request newer than any version we know', () => {
    const v9 = Buffer.from(apiVersionsV3);
    v9.writeInt16BE(9, 2);
    const { header, headerVersion, bodyOffset } = decodeRequestHeader(v9, requestSchemaFor);
    expect(headerVersion).toBe(2);
    expect(header.correlationId).toBe(42);
    expect(bodyOffset).toBe(18);
    const error = (() => {
      try {
        decodeMessage(ApiVersionsRequest, 9, v9, bodyOffset);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    expect((error as ProtocolDecodeError).code).toBe('UNSUPPORTED_VERSION');
  });

  it('reads unknown APIs with header v1, enough to answer with an error', () => {
    const unknown = encodeRequestHeader({ requestApiKey: 999, requestApiVersion: 0, correlationId: 5, clientId: null }, 1);
    expect(unknown.toString('hex')).toBe('03e7000000000005ffff');
    const { header, headerVersion } = decodeRequestHeader(unknown, requestSchemaFor);
    expect(headerVersion).toBe(1);
    expect(header).toEqual({ requestApiKey: 999, requestApiVersion: 0, correlationId: 5, clientId: null });
  });

  it('encodes each header version', () => {
    const header = { requestApiKey: 3, requestApiVersion: 9, correlationId: 1, clientId: 'c' };
    expect(encodeRequestHeader(header, 0).toString('hex')).toBe('0003000900000001');
    expect(encodeRequestHeader(header, 1).toString('hex')).toBe('00030009000000010001' + '63');
    expect(encodeRequestHeader(header, 2).toString('hex')).toBe('00030009000000010001' + '63' + '00');
    expect(encodeRequestHeader({ ...header, clientId: null }, 2).toString('hex')).toBe('0003000900000001ffff00');
    // v0 has no client id: it decodes to the field's default, '' (as in Kafka's RequestHeaderData).
    expect(decodeMessage(RequestHeader, 0, Buffer.from('0003000900000001', 'hex'))).toEqual({ requestApiKey: 3, requestApiVersion: 9, correlationId: 1, clientId: '' });
  });

  it('picks header v2 exactly for flexible versions', () => {
    expect(requestHeaderVersion(ProduceRequest, 8)).toBe(1);
    expect(requestHeaderVersion(ProduceRequest, 9)).toBe(2);
    expect(requestHeaderVersion(MetadataRequest, 9)).toBe(2);
    expect(requestHeaderVersion(SaslHandshakeRequest, 1)).toBe(1);
    expect(requestHeaderVersion(undefined, 5)).toBe(1);
    for (const api of API_MESSAGES) {
      const [min, max] = api.request.validVersions;
      for (let version = min; version <= max!; version++) {
        const flexible = api.request.flexibleVersions !== null && version >= api.request.flexibleVersions[0];
        expect(requestHeaderVersion(api.request, version)).toBe(flexible ? 2 : 1);
      }
    }
  });

  it('a truncated header is a ProtocolDecodeError', () => {
    // The header is the first 18 bytes.
    for (let length = 0; length < 18; length++) {
      expect(() => decodeRequestHeader(apiVersionsV3.subarray(0, length), requestSchemaFor)).toThrow(ProtocolDecodeError);
    }
  });
});

describe('response headers', () => {
  it('ApiVersions responses always use header v0, even when the body is flexible', () => {
    for (let version = 0; version <= 4; version++) expect(responseHeaderVersion(ApiVersionsResponse, version)).toBe(0);
    const body = { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 0 };
    const bytes = encodeResponse(ApiVersionsResponse, 3, 42, body);
    // correlation id, then the body at once: error code, compact array of 1, one entry + its tags, throttle, tags.
    expect(bytes.toString('hex')).toBe('0000002a' + '0000' + '02' + '001200000003' + '00' + '00000000' + '00');
    expect(decodeResponse(ApiVersionsResponse, 3, bytes)).toMatchObject({ correlationId: 42, body });
  });

  it('other flexible responses use header v1 (with its tagged fields)', () => {
    expect(responseHeaderVersion(MetadataResponse, 8)).toBe(0);
    expect(responseHeaderVersion(MetadataResponse, 9)).toBe(1);
    const bytes = encodeResponse(MetadataResponse, 9, 7, { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] });
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0000000700');
    expect(decodeResponse(MetadataResponse, 9, bytes)).toMatchObject({ correlationId: 7, body: { controllerId: 1, clusterId: null } });
    const old = encodeResponse(MetadataResponse, 8, 7, { brokers: [], topics: [] });
    expect(old.subarray(0, 4).toString('hex')).toBe('00000007');
    expect(decodeResponse(MetadataResponse, 8, old).correlationId).toBe(7);
  });

  it('writeResponse keeps large record buffers as their own chunk', () => {
    const records = Buffer.alloc(64 * 1024, 1);
    const writer = writeResponse(API_MESSAGES_BY_KEY.get(1)!.response, 11, 3, {
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, records }] }],
    });
    const chunks = writer.toChunks();
    expect(chunks).toContain(records);
    expect(Buffer.concat(chunks).equals(writer.toBuffer())).toBe(true);
  });

  it('encoding errors are ProtocolEncodeError naming the field', () => {
    expect(() => encodeResponse(MetadataResponse, 9, 1, { brokers: [{ nodeId: 2 ** 31 }] })).toThrow(
      /^MetadataResponse v9: 2147483648 is not a valid int32 in field brokers\[0\]\.nodeId$/,
    );
    expect(() => encodeRequest(MetadataRequest, 0, { correlationId: 1 }, { topics: null })).toThrow(ProtocolEncodeError);
    expect(() => encodeRequest(MetadataRequest, 0, { correlationId: 1 }, { topics: null })).toThrow(/null array where the version does not allow null in field topics/);
    expect(() => encodeRequest(MetadataRequest, 13, { correlationId: 1 }, {})).toThrow(/MetadataRequest v13: version 13 is not one of the valid versions/);
  });
});
