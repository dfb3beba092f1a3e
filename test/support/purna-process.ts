// Runs Purna as its own process (node main.ts), as an operator would, so tests can send it
// real signals (SIGTERM, SIGKILL) and restart it on the same data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './influxd.ts';

const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));

export interface PurnaProcess {
  child: ChildProcess;
  mqttUrl: string;
  httpUrl: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startPurnaProcess(
  env: Record<string, string>,
  ports?: { http: number; mqtt: number },
  /** How long to wait for "Dashboard:" (a restart on a loaded machine with a big data dir takes longer). */
  startTimeoutMs = 30_000,
): Promise<PurnaProcess> {
  const http = ports?.http ?? (await freePort());
  const mqtt = ports?.mqtt ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, [MAIN, '--no-sim'], {
    env: {
      PATH: process.env.PATH ?? '',
      PURNA_HTTP_HOST: '127.0.0.1',
      PURNA_MQTT_HOST: '127.0.0.1',
      PURNA_HTTP_PORT: String(http),
      PURNA_MQTT_PORT: String(mqtt),
      LOG_LEVEL: 'warn',
      PURNA_MQTT_AUTH: 'open',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const until = Date.now() + startTimeoutMs;
  while (!out.includes('Dashboard:')) {
    if (child.exitCode !== null) throw new Error(`purna exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL'); // not left running behind the error
      throw new Error(`purna did not start within ${startTimeoutMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    httpUrl: `http://127.0.0.1:${http}/`,
    output: () => out,
    exited,
  };
}
