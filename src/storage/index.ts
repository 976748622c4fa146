export { StorageError, type StorageErrorCode } from './storage-error.js';
export { DEFAULT_LOG_CONFIG, resolveLogConfig, type LogConfig } from './log-config.js';
export { PartitionLog, type AppendOptions, type AppendResult, type LogEvent, type PartitionLogOptions, type RecoveryStats, type SegmentInfo } from './partition-log.js';
export { LogDirectory, type LogDirectoryOptions } from './log-directory.js';
export { nodeFileIO, createNodeFileIO, type FileIO, type StorageFile } from './file-io.js';
export { FaultInjectingFileIO } from './fault-injecting-file-io.js';
