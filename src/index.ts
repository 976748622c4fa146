/**
 * Strata's public API. The codec is public so tools and tests can build and read Kafka record
 * batches; the broker, clients and storage are added here as they land.
 */
export * from './codec/index.js';
export * from './storage/index.js';
