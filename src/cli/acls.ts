/**
 * `strata acls add|remove|list --data-dir D`: manages the ACLs of a data directory
 * (`<data-dir>/meta/acls.json`, src/security/acl-store.ts). A running `strata serve` on that
 * directory applies changes within a second. Kafka's kafka-acls.sh vocabulary:
 *
 *   strata acls add --allow-principal User:alice --operation Read --operation Describe --topic orders
 *   strata acls add --deny-principal User:bob --operation Write --topic logs- --resource-pattern-type prefixed
 *   strata acls add --allow-principal User:alice --operation Read --group billing
 */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { aclFilePath, addAcls, checkAclEntry, readAcls, removeAcls, type AclEntry } from '../security/acl-store.js';

interface AclFlags {
  dataDir: string;
  allowPrincipal: string[];
  denyPrincipal: string[];
  operation: string[];
  topic: string[];
  group: string[];
  resourcePatternType: string;
  host: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Every (principal × operation × resource) combination the flags name. */
function entriesOf(flags: AclFlags): AclEntry[] {
  const principals = [...flags.allowPrincipal.map((principal) => ({ principal, permission: 'ALLOW' })), ...flags.denyPrincipal.map((principal) => ({ principal, permission: 'DENY' }))];
  const resources = [...flags.topic.map((name) => ({ resourceType: 'Topic', name })), ...flags.group.map((name) => ({ resourceType: 'Group', name }))];
  if (principals.length === 0) throw new Error('name a principal: --allow-principal User:<name> or --deny-principal User:<name>');
  if (flags.operation.length === 0) throw new Error('name an operation: --operation Read|Write|Create|Delete|Alter|Describe|DescribeConfigs|AlterConfigs|All');
  if (resources.length === 0) throw new Error('name a resource: --topic <name> or --group <name>');
  return principals.flatMap(({ principal, permission }) =>
    flags.operation.flatMap((operation) => resources.map(({ resourceType, name }) => checkAclEntry({ principal, permission, operation, resourceType, name, host: flags.host, patternType: flags.resourcePatternType }))),
  );
}

function describe(entry: AclEntry): string {
  return `${entry.permission}\t${entry.principal}\t${entry.operation}\t${entry.resourceType}:${entry.patternType}:${entry.name}\thost=${entry.host}`;
}

export function registerAcls(program: Command): void {
  const acls = program.command('acls').description('manage access control lists (topics and groups) of a data directory');
  const editing = (command: Command) =>
    command
      .option('--data-dir <dir>', 'data directory', './data')
      .option('--allow-principal <principal>', 'User:<name>, User:* or User:ANONYMOUS; repeatable', collect, [] as string[])
      .option('--deny-principal <principal>', 'as --allow-principal, denying; repeatable', collect, [] as string[])
      .option('--operation <op>', 'Read, Write, Create, Delete, Alter, Describe, DescribeConfigs, AlterConfigs or All; repeatable', collect, [] as string[])
      .option('--topic <name>', 'a topic (* for every topic); repeatable', collect, [] as string[])
      .option('--group <name>', 'a consumer group (* for every group); repeatable', collect, [] as string[])
      .option('--resource-pattern-type <type>', 'literal or prefixed', 'literal')
      .option('--host <host>', 'client address the entry applies to', '*');

  editing(acls.command('add'))
    .description('add ACL entries')
    .action(async (flags: AclFlags) => {
      const entries = entriesOf(flags);
      const added = await addAcls(aclFilePath(resolve(flags.dataDir)), entries);
      console.log(`${added} ACL entr${added === 1 ? 'y' : 'ies'} added (${entries.length - added} already present)`);
    });

  editing(acls.command('remove'))
    .description('remove exactly these ACL entries')
    .action(async (flags: AclFlags) => {
      const entries = entriesOf(flags);
      const removed = await removeAcls(aclFilePath(resolve(flags.dataDir)), entries);
      if (removed === 0) throw new Error('no such ACL entry');
      console.log(`${removed} ACL entr${removed === 1 ? 'y' : 'ies'} removed`);
    });

  acls
    .command('list')
    .description('list ACL entries')
    .option('--data-dir <dir>', 'data directory', './data')
    .action(async (flags: { dataDir: string }) => {
      for (const entry of await readAcls(aclFilePath(resolve(flags.dataDir)))) console.log(describe(entry));
    });
}
