/**
 * Strata's Kafka wire layer: primitive reader and writer, the declarative schema format the
 * generated message definitions (../messages/) use, the generic schema-driven codec, and headers.
 */
export { ProtocolDecodeError, ProtocolEncodeError, type ProtocolDecodeErrorCode } from './errors.js';
export { WireReader } from './reader.js';
export { RAW_REFERENCE_THRESHOLD, WireWriter } from './writer.js';
export {
  type ApiMessages,
  type ArrayType,
  type FieldSchema,
  type FieldType,
  type MessageInput,
  type MessageSchema,
  type MessageValue,
  type PrimitiveTypeName,
  type RawTaggedField,
  type StructType,
  type VersionRange,
  ZERO_UUID,
  inVersionRange,
  isFlexibleVersion,
  isValidVersion,
} from './schema.js';
export { decodeMessage, defaultMessage, encodeMessage, readMessage, writeMessage } from './message-codec.js';
export {
  type DecodedRequest,
  type DecodedRequestHeader,
  type DecodedResponse,
  type RequestHeaderVersion,
  type ResponseHeaderVersion,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeRequestHeader,
  encodeResponse,
  peekRequestApi,
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponse,
  writeResponseHeader,
} from './headers.js';
