// socket.io across Purna's workers (issue 20): with DATABASE_URL set, every worker's socket.io
// server joins socket.io's PostgreSQL adapter, so a broadcast on one worker (a delta to the fleet
// room, a work order to a technician's room) reaches the browsers connected to every worker, and
// workers can emit to each other (serverSideEmit: the health channel in fleet-sync.ts). It runs
// over LISTEN/NOTIFY on the PostgreSQL the workers share anyway, so the topology needs no further
// engine; payloads over 8,000 bytes (NOTIFY's limit) go through a small table the adapter reads back.
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server as SocketServer } from 'socket.io';
import type { Logger } from '../core/log.ts';

/** The adapter's table for payloads too big for a NOTIFY (its own default name and layout). */
const ATTACHMENTS_TABLE = 'socket_io_attachments';

export interface ClusterAdapter {
  close(): Promise<void>;
}

/**
 * Joins `io` to the workers on `databaseUrl`. Throws when PostgreSQL cannot be reached at start
 * (a worker that cannot share its live updates must not start as if it could); later outages
 * are logged and survived: the adapter's listening connection reconnects by itself.
 */
export async function attachClusterAdapter(
  io: SocketServer,
  opts: { databaseUrl: string; log: Logger },
): Promise<ClusterAdapter> {
  const log = opts.log.child({ part: 'live-cluster' });
  // Few connections: one held for LISTEN, the others for NOTIFY and the attachments.
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4, connectionTimeoutMillis: 5000 });
  // A checked-out client (the adapter's LISTEN connection) has no error listener of the pool's:
  // without this one, PostgreSQL restarting would be an uncaught 'error' that ends the worker.
  pool.on('connect', (client) =>
    client.on('error', (err) => log.warn({ err: err.message }, 'PostgreSQL connection lost')),
  );
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_TABLE} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`,
    );
  } catch (err) {
    // Two workers starting together: the loser of the race sees the table (or its type) created.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') {
      await pool.end();
      throw new Error(`DATABASE_URL: cannot reach PostgreSQL for the live updates: ${(err as Error).message}`);
    }
  }
  let lastError = 0;
  io.adapter(
    createAdapter(pool, {
      tableName: ATTACHMENTS_TABLE,
      errorHandler: (err: Error) => {
        // At most one line in 10 s: during an outage every publish fails.
        if (Date.now() - lastError < 10_000) return;
        lastError = Date.now();
        log.warn({ err: err.message }, 'live update not shared with the other workers');
      },
    }),
  );
  return {
    close: async () => {
      // The adapter releases its LISTEN client when its namespace closes (io.close / engine close).
      io.of('/').adapter.close();
      // Bounded: after PostgreSQL restarted, the adapter can hold a reconnected client it never
      // releases, and pool.end() waits for every client (measured: the stop hung for good).
      const ended = pool.end().catch(() => {});
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
