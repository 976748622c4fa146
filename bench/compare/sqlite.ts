/**
 * SQLite peer, the in-process store a Node developer might pick instead: better-sqlite3 (loaded
 * only if installed), one database file in a temporary directory, `journal_mode = WAL`,
 * `synchronous = NORMAL` (WAL fsynced at checkpoints, not per commit: like acks=1 on one machine).
 *
 *   produce   INSERT INTO log (value) VALUES (?) with one prepared statement, 1,000 rows per
 *             transaction; `id INTEGER PRIMARY KEY` is the offset.
 *   consume   SELECT value FROM log ORDER BY id, iterated.
 */

import { join } from 'node:path';
import type { Transfer } from '../measure.js';
import { checkReadBack, DISTINCT_VALUES, secondsSince, transferOf, type Workload } from './workload.js';

/** The parts of better-sqlite3 the bench uses. */
export interface SqliteModule {
  default: new (path: string) => SqliteDatabase;
}
interface SqliteDatabase {
  pragma(text: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): { run(...values: unknown[]): unknown; iterate(): IterableIterator<{ value: Buffer }>; get(): unknown };
  transaction(body: (values: readonly Buffer[]) => void): (values: readonly Buffer[]) => void;
  close(): void;
}

export interface SqliteFigures {
  insert: Transfer;
  select: Transfer;
}

export function measureSqlite(sqlite: SqliteModule, directory: string, workload: Workload): SqliteFigures {
  const database = new sqlite.default(join(directory, `log-${workload.valueBytes}.sqlite`));
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, value BLOB NOT NULL)');
    const insert = database.prepare('INSERT INTO log (value) VALUES (?)');
    const insertAll = database.transaction((values) => {
      for (const value of values) insert.run(value);
    });
    const start = performance.now();
    for (let inserted = 0; inserted < workload.records; inserted += DISTINCT_VALUES) insertAll(workload.values);
    const insertSeconds = secondsSince(start);

    let records = 0;
    let bytes = 0;
    const readStart = performance.now();
    for (const row of database.prepare('SELECT value FROM log ORDER BY id').iterate()) {
      records++;
      bytes += row.value.length;
    }
    const selectSeconds = secondsSince(readStart);
    checkReadBack('sqlite SELECT', workload, records, bytes);
    return { insert: transferOf(workload, insertSeconds), select: transferOf(workload, selectSeconds) };
  } finally {
    database.close();
  }
}
