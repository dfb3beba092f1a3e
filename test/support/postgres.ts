// Starts a real PostgreSQL (Debian's postgresql-15: /usr/lib/postgresql/15/bin/initdb and
// postgres) on a free loopback port with its own temporary data dir, for the service tests'
// PostgreSQL run (test/global-setup.ts starts one for the whole run) and the multi-worker
// harness. No Docker needed.
//
//   const pg = await startPostgres();
//   const url = await pg.createDatabase('orders_1'); // postgres://postgres@127.0.0.1:PORT/orders_1
//   pg.url('postgres');                              // the URL of any database on it
//   await pg.restart();                              // fast shutdown, then up again on the same port and data
//   await pg.stop();                                 // fast shutdown, data dir deleted
//
// Run as root, the server runs as the `postgres` OS user (PostgreSQL refuses root) through
// setpriv, with the data dir handed to that user. Trust authentication on 127.0.0.1 only, the
// Unix socket in the data dir (not /var/run/postgresql), and fsync off: a test server that
// loses everything in a machine crash is fine and much faster.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './influxd.ts';

export interface LocalPostgres {
  /** postgres://postgres@127.0.0.1:PORT/<dbName> (no password: trust on loopback). */
  url(dbName: string): string;
  /** CREATE DATABASE `name` (a lower-case SQL identifier) and its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then starts again on the same port and data dir (what a restart of the database does to its clients). */
  restart(): Promise<void>;
  /** Fast shutdown and the data dir deleted. */
  stop(): Promise<void>;
  port: number;
}

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], 'bin') : null;
}

export function postgresAvailable(): boolean {
  return postgresBinDir() !== null;
}

/** argv prefix that runs a command as the postgres OS user when we are root (PostgreSQL refuses to run as root). */
function asPostgresUser(): string[] {
  if (userInfo().uid !== 0) return [];
  return ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'];
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install -y postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'purna-postgres-'));
  const root = userInfo().uid === 0;
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const prefix = asPostgresUser();
  const init = spawnSync(
    prefix[0] ?? join(bin, 'initdb'),
    [
      ...prefix.slice(1),
      ...(prefix.length ? [join(bin, 'initdb')] : []),
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--locale=C.UTF-8',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}):\n${init.stdout}\n${init.stderr}`);

  let port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const url = (dbName: string) => `postgres://postgres@127.0.0.1:${port}/${dbName}`;

  const launch = async () => {
    log = '';
    const args = [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      // The service tests' PostgreSQL run opens a database (and a connection) per service they start.
      '-c',
      'max_connections=400',
      '-c',
      'shared_buffers=64MB',
      '-c',
      'log_min_messages=warning',
    ];
    const cmd = prefix.length ? prefix[0] : join(bin, 'postgres');
    const argv = prefix.length ? [...prefix.slice(1), join(bin, 'postgres'), ...args] : args;
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
    proc.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}:\n${log}`);
      const client = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within 30 s:\n${log}`);
  };

  const halt = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    // SIGINT: PostgreSQL's fast shutdown (clients disconnected, no wait for them to leave).
    proc.kill('SIGINT');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  for (let tries = 1; ; tries++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (tries === 3 || !/could not bind|address already in use/i.test(log)) {
        await halt();
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }

  return {
    url,
    get port() {
      return port;
    },
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`createDatabase: '${name}' is not a plain identifier`);
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
