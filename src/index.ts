/**
 * Strata's public API: the embedded broker and its clients, the storage engine, and the record
 * batch codec (so tools and tests can build and read Kafka record batches).
 */
export { Broker, type BrokerOptions } from './client/broker.js';
export { Admin, type GroupDescription, type GroupPartitionLag } from './client/admin.js';
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './client/producer.js';
export { Consumer, type ConsumerOptions, type RunOptions, type StartFrom, type SubscribeOptions } from './client/consumer.js';
export type { ConsumerBatch, ConsumerMessage } from './client/consumer-message.js';
export type { RetryOptions } from './client/dead-letter.js';
export { ClientError, type ClientErrorCode } from './client/client-error.js';
export type { AssignorName, TopicPartition } from './client/assignors/index.js';
export { BrokerCore, type Acks, type BrokerCoreOptions } from './broker/broker-core.js';
export { BrokerError, toBrokerError } from './broker/broker-error.js';
export { KafkaErrorCode, type KafkaErrorName } from './broker/kafka-error-codes.js';
export { murmur2, partitionForKey, defaultPartitioner, type Partitioner } from './broker/partitioner.js';
export type { CreateTopicOptions, TopicDescription, PartitionDescription, ConfigEntry } from './broker/topic-registry.js';
export * from './codec/index.js';
export * from './storage/index.js';
export type { BrokerEvent, BrokerObserver } from './broker/broker-observer.js';
export { StrataMetrics, type MetricsOptions, type MetricsSources } from './observability/metrics.js';
