// Starts a real InfluxDB 1.x (Debian's `influxd`) on free loopback ports with its own
// temporary data and meta dirs. Used by the vitest global setup and by fault tests that need
// to stop and restart the store.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalInfluxd {
  url: string;
  port: number;
  dir: string;
  /** Stops it (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export function influxdAvailable(): boolean {
  return spawnSync('influxd', ['version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 204) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`influxd did not answer /ping at ${url} within ${timeoutMs} ms:\n${output()}`);
}

export interface InfluxdOptions {
  /** [http] max-body-size in bytes (influxd's default is 25,000,000): a small one provokes HTTP 413 cheaply. */
  maxBodySize?: number;
  /** false: write the config and pick the port but do not launch (restart() launches), for a store that is down from the start. */
  launch?: boolean;
  /** [http] auth-enabled: the first user must be created as an admin (CREATE USER … WITH ALL PRIVILEGES) before anything else. */
  authEnabled?: boolean;
}

export async function startInfluxd(opts: InfluxdOptions = {}): Promise<LocalInfluxd> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-influxd-'));
  let port = await freePort();
  let rpcPort = await freePort();
  for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(dir, sub));
  const configPath = join(dir, 'influxdb.conf');
  const writeConfig = () =>
    writeFileSync(
      configPath,
      `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  auth-enabled = ${opts.authEnabled ? 'true' : 'false'}
  log-enabled = false
${opts.maxBodySize === undefined ? '' : `  max-body-size = ${opts.maxBodySize}\n`}[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`,
    );
  writeConfig();
  let url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let log = '';
  const launch = async () => {
    log = '';
    child = spawn('influxd', ['-config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
    child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
    await waitForPing(url, child, 30_000, () => log);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  // influxd cannot be told to pick a port and say which: on its first start, a port taken since
  // freePort() probed it gets new ports (at most 3 tries). A restart keeps its port: the store's
  // users were given the URL.
  for (let tries = 1; opts.launch !== false; tries++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (tries === 3 || !/address already in use/i.test(log)) throw err;
      [port, rpcPort] = [await freePort(), await freePort()];
      url = `http://127.0.0.1:${port}`;
      writeConfig();
    }
  }
  return {
    url,
    port,
    dir,
    stop,
    restart: launch,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
