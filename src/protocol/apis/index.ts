/**
 * Every Kafka API `strata serve` answers, with the versions it advertises (DESIGN.md's table).
 * An API is listed only once it is implemented: ApiVersions never promises what is not there.
 */

import type { ApiHandler } from '../api-handler.js';
import { apiVersions } from './api-versions.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { initProducerId } from './init-producer-id.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';

export const ALL_APIS: readonly ApiHandler[] = [produce, fetch, listOffsets, metadata, findCoordinator, apiVersions, createTopics, deleteTopics, initProducerId];
