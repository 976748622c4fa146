/**
 * Request and response headers, and whole requests and responses (header + body, without the
 * 4-byte size prefix: framing belongs to the server).
 *
 * - Request header v0: apiKey, apiVersion, correlationId. v1 adds clientId (nullable, int16
 *   length). v2 (flexible APIs) adds a tagged-field section; clientId keeps its classic int16
 *   length even there, so any broker can read the header of any ApiVersions request.
 * - Response header v0: correlationId. v1 (flexible APIs) adds a tagged-field section — except
 *   for ApiVersions, whose response header is always v0: a client that sent a version the broker
 *   does not know must still be able to read the (v0-format) error reply.
 */

import { RequestHeader, type RequestHeaderData } from '../messages/request-header.js';
import { ResponseHeader, type ResponseHeaderData } from '../messages/response-header.js';
import { ProtocolDecodeError, ProtocolEncodeError } from './errors.js';
import { decodeMessage, encodeMessage, readMessage, writeMessage } from './message-codec.js';
import { WireReader } from './reader.js';
import { type MessageInput, type MessageSchema, isFlexibleVersion, isValidVersion } from './schema.js';
import { WireWriter } from './writer.js';

export type RequestHeaderVersion = 0 | 1 | 2;
export type ResponseHeaderVersion = 0 | 1;

const API_VERSIONS_KEY = 18;

/**
 * The request header version for `schema` at `apiVersion`: 2 if that version is flexible, else 1
 * (0 is only used by ControlledShutdown v0, which Strata does not implement). A version above the
 * schema's range still follows its open-ended flexible range, so the header of a newer client's
 * ApiVersions request parses. Unknown APIs (schema undefined) get 1: enough to read the
 * correlation id and answer with an error.
 */
export function requestHeaderVersion(schema: MessageSchema | undefined, apiVersion: number): RequestHeaderVersion {
  return schema !== undefined && isFlexibleVersion(schema, apiVersion) ? 2 : 1;
}

/** The response header version: 1 if flexible, else 0; always 0 for ApiVersions. */
export function responseHeaderVersion(schema: MessageSchema, apiVersion: number): ResponseHeaderVersion {
  if (schema.apiKey === API_VERSIONS_KEY) return 0;
  return isFlexibleVersion(schema, apiVersion) ? 1 : 0;
}

export function readRequestHeader(reader: WireReader, headerVersion: RequestHeaderVersion): RequestHeaderData {
  return readMessage(reader, RequestHeader, headerVersion);
}

export function writeRequestHeader(writer: WireWriter, header: MessageInput<RequestHeaderData>, headerVersion: RequestHeaderVersion): void {
  writeMessage(writer, RequestHeader, headerVersion, header);
}

export function readResponseHeader(reader: WireReader, headerVersion: ResponseHeaderVersion): ResponseHeaderData {
  return readMessage(reader, ResponseHeader, headerVersion);
}

export function writeResponseHeader(writer: WireWriter, header: MessageInput<ResponseHeaderData>, headerVersion: ResponseHeaderVersion): void {
  writeMessage(writer, ResponseHeader, headerVersion, header);
}

/** The API key and version at the start of a request (every header version starts with them). */
export function peekRequestApi(buffer: Buffer, offset = 0): { apiKey: number; apiVersion: number } {
  const reader = new WireReader(buffer, offset);
  try {
    return { apiKey: reader.readInt16(), apiVersion: reader.readInt16() };
  } catch (error) {
    if (error instanceof ProtocolDecodeError) error.finish('RequestHeader');
    throw error;
  }
}

export interface DecodedRequestHeader {
  readonly header: RequestHeaderData;
  readonly headerVersion: RequestHeaderVersion;
  /** Where the body starts in the buffer. */
  readonly bodyOffset: number;
  /** The schema of the request body, when schemaFor knows the API. */
  readonly schema: MessageSchema | undefined;
}

/**
 * Reads the header of a request (a frame without its size prefix). `schemaFor` maps an API key to
 * its request schema (undefined if unknown); it decides the header version.
 */
export function decodeRequestHeader(buffer: Buffer, schemaFor: (apiKey: number) => MessageSchema | undefined, offset = 0): DecodedRequestHeader {
  const { apiKey, apiVersion } = peekRequestApi(buffer, offset);
  const schema = schemaFor(apiKey);
  const headerVersion = requestHeaderVersion(schema, apiVersion);
  const reader = new WireReader(buffer, offset);
  const header = readRequestHeader(reader, headerVersion);
  return { header, headerVersion, bodyOffset: reader.position, schema };
}

export interface DecodedRequest<T> {
  readonly header: RequestHeaderData;
  readonly body: T;
}

/** Decodes a whole request (header + body) of a known API. */
export function decodeRequest<T>(schema: MessageSchema<T>, buffer: Buffer): DecodedRequest<T> {
  const { header, bodyOffset } = decodeRequestHeader(buffer, (apiKey) => (apiKey === schema.apiKey ? schema : undefined));
  if (header.requestApiKey !== schema.apiKey) {
    throw new ProtocolDecodeError('INVALID_VALUE', `API key ${header.requestApiKey} is not ${schema.name}'s ${String(schema.apiKey)}`, 0).finish('RequestHeader');
  }
  return { header, body: decodeMessage(schema, header.requestApiVersion, buffer, bodyOffset) };
}

/** Encodes a whole request (header + body) of `schema` at `apiVersion`. */
export function encodeRequest<T>(
  schema: MessageSchema<T>,
  apiVersion: number,
  header: { readonly correlationId: number; readonly clientId?: string | null },
  body: MessageInput<T>,
): Buffer {
  if (schema.apiKey === null) throw new ProtocolEncodeError(`${schema.name} is not a request`);
  const writer = new WireWriter(schema.apiKey === 0 ? 1024 : 256);
  writeRequestHeader(
    writer,
    { requestApiKey: schema.apiKey, requestApiVersion: apiVersion, correlationId: header.correlationId, clientId: header.clientId ?? null },
    requestHeaderVersion(schema, apiVersion),
  );
  writeMessage(writer, schema, apiVersion, body);
  return writer.toBuffer();
}

/**
 * Writes a whole response (header + body) into `writer` (a new one by default) and returns it:
 * `toChunks()` keeps large record buffers uncopied, `toBuffer()` joins everything.
 */
export function writeResponse<T>(
  schema: MessageSchema<T>,
  apiVersion: number,
  correlationId: number,
  body: MessageInput<T>,
  writer: WireWriter = new WireWriter(schema.apiKey === 1 ? 1024 : 256),
): WireWriter {
  writeResponseHeader(writer, { correlationId }, responseHeaderVersion(schema, apiVersion));
  writeMessage(writer, schema, apiVersion, body);
  return writer;
}

/** Encodes a whole response (header + body) into one Buffer. */
export function encodeResponse<T>(schema: MessageSchema<T>, apiVersion: number, correlationId: number, body: MessageInput<T>): Buffer {
  return writeResponse(schema, apiVersion, correlationId, body).toBuffer();
}

export interface DecodedResponse<T> {
  readonly correlationId: number;
  readonly body: T;
}

/** Decodes a whole response (header + body) of `schema` at `apiVersion`. */
export function decodeResponse<T>(schema: MessageSchema<T>, apiVersion: number, buffer: Buffer): DecodedResponse<T> {
  if (!isValidVersion(schema, apiVersion)) {
    throw new ProtocolDecodeError('UNSUPPORTED_VERSION', `version ${apiVersion} is not a valid version`, 0).finish(`${schema.name} v${apiVersion}`);
  }
  const reader = new WireReader(buffer);
  const header = readResponseHeader(reader, responseHeaderVersion(schema, apiVersion));
  return { correlationId: header.correlationId, body: decodeMessage(schema, apiVersion, buffer, reader.position) };
}

/** Encodes just a header: convenient in tests and for error replies. */
export function encodeRequestHeader(header: MessageInput<RequestHeaderData>, headerVersion: RequestHeaderVersion): Buffer {
  return encodeMessage(RequestHeader, headerVersion, header);
}
