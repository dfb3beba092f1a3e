// Debian's nats-server with JetStream on a loopback port and a temporary store directory, for
// the cluster tests (cluster/) and the multi-worker harness. It picks its own port (-p -1) and
// says which in its log; a restart reuses that port so clients find it again, and the store
// directory survives the restart (file storage: the stream and the KV buckets come back).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalNats {
  /** nats://127.0.0.1:<port> */
  url: string;
  port: number;
  /** SIGTERM, then removes the store directory. */
  stop(): Promise<void>;
  /** Stopped (SIGTERM) and started again on the same port and store directory. */
  restart(): Promise<void>;
  /** Stops the server without removing its store (`start()` brings it back). */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and store. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a frozen server (connections stay open, nothing is answered). */
  pause(): void;
  resume(): void;
}

export function natsAvailable(): boolean {
  return spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export async function startNats(): Promise<LocalNats> {
  if (!natsAvailable()) throw new Error('nats-server not found: apt-get install -y nats-server');
  const dir = mkdtempSync(join(tmpdir(), 'purna-nats-'));
  let port = -1; // nats-server's "any free port"; the log says which it took
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    const proc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    const listening = /Listening for client connections on 127\.0\.0\.1:(\d+)/;
    const ready = /Server is ready/;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`nats-server did not start within 15 s:\n${out}`));
      }, 15_000);
      const onData = (d: Buffer) => {
        out = (out + d).slice(-10_000);
        const m = listening.exec(out);
        if (m && ready.test(out)) {
          clearTimeout(timer);
          port = Number(m[1]);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code} at start:\n${out}`));
      });
    });
    // Keep draining its log so a chatty server never blocks on a full pipe.
    proc.stdout!.resume();
    proc.stderr!.resume();
  };
  const halt = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGCONT'); // a paused server cannot handle SIGTERM
    proc.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt();
      await launch();
    },
    halt,
    start: launch,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}
