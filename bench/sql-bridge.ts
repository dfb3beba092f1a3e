// npm run bench:sql-bridge [-- --statements 5000 --transactions 1000 --jobs 200 --json FILE]
// What the synchronous PostgreSQL bridge (sql/pg-bridge.ts) costs beside node:sqlite, for the
// service domain's store: one point SELECT, one transaction of two writes, and one whole domain
// command (a dispatch opening a work order and planning it: technician, part, outbox). SQLite on a
// WAL file in a temp dir (the default deployment, synchronous=NORMAL); PostgreSQL 15 on loopback
// from test/support/postgres.ts, fsync off as in the tests (so commit cost is not the disk's).
// An awaited `pg` query (no bridge) is the reference for PostgreSQL's own round trip.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { ManualClock } from '../core/clock.ts';
import { EventBus } from '../core/event-bus.ts';
import { inTransaction, openServiceDb } from '../service/db.ts';
import { ServiceDomain } from '../service/index.ts';
import { PostgresDb } from '../sql/postgres-db.ts';
import type { SqlDb } from '../sql/sql-db.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { MONDAY_9_WIB, seedSmallNetwork } from '../test/service/helpers.ts';
import { benchArgs, writeJson } from './lib.ts';

const args = benchArgs({
  statements: { type: 'string', default: '5000' },
  transactions: { type: 'string', default: '1000' },
  jobs: { type: 'string', default: '200' },
});
const STATEMENTS = Number(args.statements);
const TRANSACTIONS = Number(args.transactions);
const JOBS = Number(args.jobs);

const dir = mkdtempSync(join(tmpdir(), 'purna-bench-sql-'));
const server = await startPostgres();

function usPer(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return ((performance.now() - t0) * 1000) / n;
}

function statementAndTransaction(db: SqlDb): { selectUs: number; transactionUs: number } {
  db.exec(`INSERT INTO customers (id, name) VALUES ('C1', 'x');
    INSERT INTO sites (id, customer_id, name, lat, lon) VALUES ('S1', 'C1', 's', 0, 0);
    INSERT INTO depots (id, name, lat, lon) VALUES ('D1', 'd', 0, 0);
    INSERT INTO parts (sku, name) VALUES ('P1', 'p');
    INSERT INTO inventory (depot_id, sku, on_hand) VALUES ('D1', 'P1', 1000000000);`);
  const select = db.prepare('SELECT on_hand, reserved FROM inventory WHERE depot_id = ? AND sku = ?');
  for (let i = 0; i < 200; i++) select.get('D1', 'P1'); // warm
  const selectUs = usPer(STATEMENTS, () => {
    for (let i = 0; i < STATEMENTS; i++) select.get('D1', 'P1');
  });
  const reserve = db.prepare('UPDATE inventory SET reserved = reserved + 1 WHERE depot_id = ? AND sku = ?');
  const event = db.prepare(
    "INSERT INTO stock_events (at_ms, depot_id, sku, kind, quantity) VALUES (?, 'D1', 'P1', 'reserved', 1)",
  );
  const transactionUs = usPer(TRANSACTIONS, () => {
    for (let i = 0; i < TRANSACTIONS; i++)
      inTransaction(db, () => {
        reserve.run('D1', 'P1');
        event.run(i);
      });
  });
  return { selectUs, transactionUs };
}

function dispatchCommand(location: { dbPath: string; databaseUrl?: string }): { us: number; statements: number } {
  const service = new ServiceDomain({
    bus: new EventBus(),
    log: pino({ level: 'silent' }),
    clock: new ManualClock(MONDAY_9_WIB),
    ...location,
    slaCheckIntervalMs: 0,
    notifier: { pollIntervalMs: 0 },
  });
  service.start();
  seedSmallNetwork(service, { jakartaBearingKits: JOBS, bandungBearingKits: JOBS });
  service.stores.network.upsertTechnician({
    id: 'T-JKT-1',
    name: 'Budi Santoso',
    homeLat: -6.21,
    homeLon: 106.82,
    depotId: 'D-JKT',
    maxOpenJobs: JOBS * 2,
    skills: [{ modelId: 'pump-p200', mode: '*' }],
  });
  const devices = Array.from({ length: JOBS }, (_, i) => `pump-b-${i}`);
  service.customers.registerDevices(devices.map((deviceId) => ({ deviceId, modelId: 'pump-p200', siteId: 'S-JKT' })));
  const pgDb = service.stores.db instanceof PostgresDb ? service.stores.db : null;
  const before = pgDb?.statements ?? 0;
  const us = usPer(JOBS, () => {
    for (const deviceId of devices)
      service.workOrders.handleDispatch({
        deviceId,
        mode: 'bearing_wear',
        tsMs: MONDAY_9_WIB,
        health: { deviceId, tsMs: MONDAY_9_WIB, score: 30, state: 'warning', evidence: {}, explanation: 'bench' },
      });
  });
  const statements = ((pgDb?.statements ?? 0) - before) / JOBS;
  service.stop();
  return { us, statements };
}

async function awaitedPgUs(url: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  for (let i = 0; i < 200; i++)
    await c.query('SELECT on_hand FROM inventory WHERE depot_id = $1 AND sku = $2', ['D1', 'P1']);
  const t0 = performance.now();
  for (let i = 0; i < STATEMENTS; i++)
    await c.query('SELECT on_hand, reserved FROM inventory WHERE depot_id = $1 AND sku = $2', ['D1', 'P1']);
  const us = ((performance.now() - t0) * 1000) / STATEMENTS;
  await c.end();
  return us;
}

try {
  const sqlite = openServiceDb(join(dir, 'service.db'));
  const s = statementAndTransaction(sqlite);
  sqlite.close();
  const pgUrl = await server.createDatabase('bench_statements');
  const postgres = openServiceDb('', pgUrl);
  const p = statementAndTransaction(postgres);
  postgres.close();
  const awaited = await awaitedPgUs(pgUrl);
  const sqliteCommandUs = dispatchCommand({ dbPath: join(dir, 'command.db') }).us;
  const pgCommand = dispatchCommand({ dbPath: '', databaseUrl: await server.createDatabase('bench_command') });
  const pgCommandUs = pgCommand.us;

  const f = (us: number) => `${us.toFixed(1).padStart(9)} us`;
  console.log(`statements ${STATEMENTS}, transactions ${TRANSACTIONS}, dispatch commands ${JOBS}`);
  console.log('                                   node:sqlite   PostgreSQL (bridge)   ratio');
  console.log(
    `point SELECT                    ${f(s.selectUs)}   ${f(p.selectUs)}         ${(p.selectUs / s.selectUs).toFixed(0)}x`,
  );
  console.log(
    `transaction (BEGIN, UPDATE, INSERT, COMMIT) ${f(s.transactionUs)} ${f(p.transactionUs)}  ${(p.transactionUs / s.transactionUs).toFixed(0)}x`,
  );
  console.log(
    `dispatch command (open + plan)  ${f(sqliteCommandUs)}   ${f(pgCommandUs)}         ${(pgCommandUs / sqliteCommandUs).toFixed(1)}x`,
  );
  console.log(`a dispatch command is ${pgCommand.statements.toFixed(1)} statements (counted on PostgreSQL)`);
  console.log(
    `PostgreSQL point SELECT awaited with pg, no bridge: ${awaited.toFixed(1)} us (bridge adds ${(p.selectUs - awaited).toFixed(1)} us)`,
  );
  writeJson(args.json as string | undefined, {
    statements: STATEMENTS,
    transactions: TRANSACTIONS,
    jobs: JOBS,
    sqlite: { selectUs: s.selectUs, transactionUs: s.transactionUs, dispatchCommandUs: sqliteCommandUs },
    postgres: {
      selectUs: p.selectUs,
      transactionUs: p.transactionUs,
      dispatchCommandUs: pgCommandUs,
      awaitedSelectUs: awaited,
    },
  });
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
