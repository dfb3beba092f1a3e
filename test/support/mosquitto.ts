// Debian's mosquitto on a free loopback port, for external-broker tests and the simulator.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.ts';

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export function mosquittoAvailable(): boolean {
  return spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined;
}

export async function startMosquitto(): Promise<Mosquitto> {
  if (!mosquittoAvailable()) throw new Error('mosquitto not found: apt-get install -y mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'purna-mosquitto-'));
  let port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  let child: ChildProcess;
  /** false: it exited before it listened (its port taken since freePort() probed it). */
  const launch = async (): Promise<boolean> => {
    writeFileSync(
      conf,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nlog_dest none\n`,
    );
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) return false;
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
        s.on('error', () => resolve(false));
      });
      if (ok && child.exitCode === null) return true;
      if (Date.now() > until) throw new Error('mosquitto did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  // A new port for each try: mosquitto cannot be told to pick one and say which.
  for (let tries = 1; !(await launch()); tries++) {
    if (tries === 3) throw new Error(`mosquitto exited at start ${tries} times (port ${port} in use?)`);
    port = await freePort();
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      if (!(await launch())) throw new Error(`mosquitto exited at restart (port ${port} in use?)`);
    },
  };
}
