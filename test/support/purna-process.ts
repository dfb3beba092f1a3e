// Runs Purna as its own process (node main.ts), as an operator would, so tests can send it
// real signals (SIGTERM, SIGKILL) and restart it on the same data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
  /** Fixed ports (a restart that clients must find again); without them the child picks free ones. */
  ports?: { http: number; mqtt: number },
  /** How long to wait for "Dashboard:" (a restart on a loaded machine with a big data dir takes longer). */
  startTimeoutMs = 30_000,
): Promise<PurnaProcess> {
  // 0: the child listens on any free port and its banner says which. A port probed free here and
  // closed again could be taken before the child binds it (another test's listener, or the
  // ephemeral source port of a connection on loopback): the child then died of EADDRINUSE.
  const http = ports?.http ?? 0;
  const mqtt = ports?.mqtt ?? 0;
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
  // main.ts's banner: '  Dashboard: http://localhost:<port>/' and '  MQTT:      <url>' lines.
  let dashboard: RegExpExecArray | null = null;
  let broker: RegExpExecArray | null = null;
  while (
    !(dashboard = /^ {2}Dashboard: http:\/\/[^\s/]+:(\d+)\//m.exec(out)) ||
    !(broker = /^ {2}MQTT: +(\S+)\n/m.exec(out))
  ) {
    if (child.exitCode !== null) throw new Error(`purna exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL'); // not left running behind the error
      throw new Error(`purna did not start within ${startTimeoutMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // It listens on 127.0.0.1 only (PURNA_*_HOST), where 'localhost' may resolve to ::1 first.
  return {
    child,
    mqttUrl: broker[1].replace('//localhost:', '//127.0.0.1:'),
    httpUrl: `http://127.0.0.1:${dashboard[1]}/`,
    output: () => out,
    exited,
  };
}
