/**
 * Decides whether a principal may perform an operation on a topic or group, with Kafka's
 * AclAuthorizer rules:
 *
 * - the ACLs that apply to a resource are those of its type whose literal name equals it (or is
 *   `*`) or whose prefix starts it; of those, the ones for this principal (or `User:*`) and host
 *   (or `*`) count;
 * - a matching DENY wins over any ALLOW; an ALLOW of the operation (or `All`) allows it; Read,
 *   Write, Delete and Alter imply Describe, AlterConfigs implies DescribeConfigs;
 * - super users (`super.users`) are always allowed;
 * - a resource that no ACL applies to at all is allowed when `allow.everyone.if.no.acl.found` is
 *   on (Strata's default, so a broker without ACLs behaves as before) and denied when it is off.
 *
 * The ACLs are held in memory and reloaded when their file changes (polled once a second).
 */

import { unwatchFile, watchFile } from 'node:fs';
import { addAcls, readAcls, removeAclsWhere, type AclEntry, type AclOperation, type AclResourceType } from './acl-store.js';

export interface AuthorizerOptions {
  aclFile: string;
  superUsers?: readonly string[];
  allowEveryoneIfNoAclFound?: boolean;
  /** Called when the file cannot be read or parsed (the previous ACLs stay in force). */
  onReloadError?: (error: Error) => void;
}

const IMPLIES_DESCRIBE: readonly AclOperation[] = ['Read', 'Write', 'Delete', 'Alter', 'Describe'];
const RELOAD_POLL_MS = 1000;

export class Authorizer {
  private acls: readonly AclEntry[] = [];
  private readonly superUsers: ReadonlySet<string>;
  private readonly allowEveryoneIfNoAclFound: boolean;
  private readonly onFileChange = (): void => void this.reload();
  private watching = false;
  /** Serialises edits made through the API (the file has one temp name). */
  private changes: Promise<void> = Promise.resolve();

  private constructor(private readonly options: AuthorizerOptions) {
    this.superUsers = new Set(options.superUsers ?? []);
    this.allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound ?? true;
  }

  static async open(options: AuthorizerOptions): Promise<Authorizer> {
    const authorizer = new Authorizer(options);
    authorizer.acls = await readAcls(options.aclFile);
    watchFile(options.aclFile, { interval: RELOAD_POLL_MS, persistent: false }, authorizer.onFileChange);
    authorizer.watching = true;
    return authorizer;
  }

  /** Re-reads the ACL file now (also done automatically when it changes). */
  async reload(): Promise<void> {
    try {
      this.acls = await readAcls(this.options.aclFile);
    } catch (error) {
      this.options.onReloadError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  get aclCount(): number {
    return this.acls.length;
  }

  /** Every entry in force. */
  list(): readonly AclEntry[] {
    return this.acls;
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  /** Adds entries to the file (one change at a time) and applies them at once. */
  add(entries: readonly AclEntry[]): Promise<number> {
    return this.change(() => addAcls(this.options.aclFile, entries));
  }

  /** Removes the entries `matches` selects from the file and applies that at once. */
  remove(matches: (entry: AclEntry) => boolean): Promise<AclEntry[]> {
    return this.change(() => removeAclsWhere(this.options.aclFile, matches));
  }

  private change<T>(edit: () => Promise<T>): Promise<T> {
    const result = this.changes.then(edit);
    this.changes = result.then(
      () => this.reload(),
      () => this.reload(),
    );
    return result.then(async (value) => {
      await this.changes;
      return value;
    });
  }

  authorize(principal: string, host: string, operation: AclOperation, resourceType: AclResourceType, name: string): boolean {
    if (this.superUsers.has(principal)) return true;
    const applicable = this.acls.filter((acl) => acl.resourceType === resourceType && (acl.patternType === 'LITERAL' ? acl.name === name || acl.name === '*' : name.startsWith(acl.name)));
    if (applicable.length === 0) return this.allowEveryoneIfNoAclFound;
    const mine = applicable.filter((acl) => (acl.principal === principal || acl.principal === 'User:*') && (acl.host === '*' || acl.host === host));
    if (mine.some((acl) => acl.permission === 'DENY' && (acl.operation === operation || acl.operation === 'All'))) return false;
    return mine.some((acl) => acl.permission === 'ALLOW' && grants(acl.operation, operation));
  }

  close(): void {
    if (this.watching) unwatchFile(this.options.aclFile, this.onFileChange);
    this.watching = false;
  }
}

function grants(granted: AclOperation, wanted: AclOperation): boolean {
  if (granted === 'All' || granted === wanted) return true;
  if (wanted === 'Describe') return IMPLIES_DESCRIBE.includes(granted);
  if (wanted === 'DescribeConfigs') return granted === 'AlterConfigs';
  return false;
}
