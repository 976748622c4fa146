/**
 * Access control entries, Kafka's model: a principal (`User:alice`, `User:*` for everyone,
 * `User:ANONYMOUS` for unauthenticated clients) is allowed or denied an operation on a resource
 * pattern (a Topic or Group, named literally — `*` meaning every one — or by prefix), from a host
 * (`*`: any). Stored in `<data-dir>/meta/acls.json`, replaced atomically (storage/atomic-file.ts):
 *
 *   { "version": 1, "acls": [ { "principal": "User:alice", "host": "*", "operation": "Read",
 *       "permission": "ALLOW", "resourceType": "Topic", "patternType": "LITERAL", "name": "orders" } ] }
 *
 * `strata acls` edits the file; a running server notices the change within a second.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { nodeFileIO } from '../storage/file-io.js';

export const ACL_OPERATIONS = ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs', 'AlterConfigs'] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];
export const ACL_RESOURCE_TYPES = ['Topic', 'Group'] as const;
export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number];
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclPermission = 'ALLOW' | 'DENY';

export interface AclEntry {
  principal: string;
  host: string;
  operation: AclOperation;
  permission: AclPermission;
  resourceType: AclResourceType;
  patternType: AclPatternType;
  name: string;
}

interface AclFile {
  version: 1;
  acls: AclEntry[];
}

/** Refuses more entries than this (a limit on every list; real deployments have far fewer). */
const MAX_ACLS = 100_000;

export class AclError extends Error {
  override readonly name = 'AclError';
}

export function aclFilePath(dataDir: string): string {
  return join(dataDir, 'meta', 'acls.json');
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw new AclError(`unknown ${what} ${JSON.stringify(value)}: use ${allowed.join(', ')}`);
  return match;
}

/** Checks and normalises an entry (case of enum names, `User:` principals, non-empty names). */
export function checkAclEntry(entry: { [Key in keyof AclEntry]: string }): AclEntry {
  if (!/^User:.+$/.test(entry.principal)) throw new AclError(`principal must look like User:<name> (or User:*), got ${JSON.stringify(entry.principal)}`);
  if (entry.name.length === 0) throw new AclError('resource name is empty');
  const patternType = oneOf(entry.patternType, ['LITERAL', 'PREFIXED'] as const, 'pattern type');
  if (patternType === 'PREFIXED' && entry.name === '*') throw new AclError('a prefixed pattern cannot be *: use a literal * for every resource');
  return {
    principal: entry.principal,
    host: entry.host.length === 0 ? '*' : entry.host,
    operation: oneOf(entry.operation, ACL_OPERATIONS, 'operation'),
    permission: oneOf(entry.permission, ['ALLOW', 'DENY'] as const, 'permission'),
    resourceType: oneOf(entry.resourceType, ACL_RESOURCE_TYPES, 'resource type'),
    patternType,
    name: entry.name,
  };
}

function sameEntry(a: AclEntry, b: AclEntry): boolean {
  return a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permission === b.permission && a.resourceType === b.resourceType && a.patternType === b.patternType && a.name === b.name;
}

/** Every entry in the file (none when it does not exist). */
export async function readAcls(path: string): Promise<AclEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: Partial<AclFile>;
  try {
    parsed = JSON.parse(text) as Partial<AclFile>;
  } catch {
    throw new AclError(`ACL file ${path} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.version !== 1 || !Array.isArray(parsed.acls)) throw new AclError(`ACL file ${path} is not a Strata ACL file (version 1)`);
  return parsed.acls.map((entry) => checkAclEntry(entry));
}

async function writeAcls(path: string, acls: readonly AclEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file: AclFile = { version: 1, acls: [...acls] };
  await writeFileAtomically(nodeFileIO, path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8'));
}

/** Adds entries not already present; returns how many were new. */
export async function addAcls(path: string, entries: readonly AclEntry[]): Promise<number> {
  const acls = await readAcls(path);
  let added = 0;
  for (const entry of entries) {
    if (acls.some((existing) => sameEntry(existing, entry))) continue;
    if (acls.length >= MAX_ACLS) throw new AclError(`too many ACLs (limit ${MAX_ACLS})`);
    acls.push(entry);
    added++;
  }
  if (added > 0) await writeAcls(path, acls);
  return added;
}

/** Removes exactly these entries; returns how many were found. */
export async function removeAcls(path: string, entries: readonly AclEntry[]): Promise<number> {
  const acls = await readAcls(path);
  const kept = acls.filter((existing) => !entries.some((entry) => sameEntry(existing, entry)));
  const removed = acls.length - kept.length;
  if (removed > 0) await writeAcls(path, kept);
  return removed;
}

/** Removes every entry `matches` selects; returns the removed entries. */
export async function removeAclsWhere(path: string, matches: (entry: AclEntry) => boolean): Promise<AclEntry[]> {
  const acls = await readAcls(path);
  const removed = acls.filter(matches);
  if (removed.length > 0) await writeAcls(path, acls.filter((entry) => !matches(entry)));
  return removed;
}
