// Fault: Purna's stdout and stderr go to a file on a filesystem that is full (a 1 MiB tmpfs
// filled to the last byte), at LOG_LEVEL=info with every request and every rejected message
// logging a line. Logging must never stop the process: HTTP and MQTT keep answering, the lines
// that cannot be written are dropped and counted, and SIGTERM still exits promptly. Before,
// pino's destination retried the failed write in a sleep loop on the main thread: /healthz and
// MQTT stopped answering for good (7 of 40 and 2 of 10 answered), and SIGTERM never exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { waitFor } from '../support/load.ts';
import { connectDevice } from '../support/purna.ts';
import { mountSmallFilesystem, type SmallFilesystem } from '../support/small-filesystem.ts';

const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'purna-logfull-'));
let fs: SmallFilesystem;
let child: ChildProcess | null = null;

beforeAll(() => {
  fs = mountSmallFilesystem(1024 * 1024);
});
afterAll(() => {
  child?.kill('SIGKILL');
  fs?.unmount();
  rmSync(dataDir, { recursive: true, force: true });
});

/** GET /healthz within 2 s: true if it answered 200. */
async function healthy(httpUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${httpUrl}healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A QoS 1 publish from a fresh connection: true if PUBACKed within 3 s. */
async function mqttAnswers(mqttUrl: string, i: number): Promise<boolean> {
  try {
    const client = await connectDevice(mqttUrl, `pump-logfull-${i}`, { connectTimeout: 3000 });
    try {
      // A rejected message (not a number) logs a warning line as well.
      await client.publishAsync(topics.telemetry(`pump-logfull-${i}`), '{"temperature": "hot"}', { qos: 1 });
      await Promise.race([
        client.publishAsync(topics.telemetry(`pump-logfull-${i}`), '{"temperature": 61.5}', { qos: 1 }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no PUBACK')), 3000)),
      ]);
      return true;
    } finally {
      client.end(true);
    }
  } catch {
    return false;
  }
}

it('stdout on a full disk: HTTP and MQTT keep answering, dropped log lines are counted, logging resumes when space returns, SIGTERM exits', async () => {
  const logFile = join(fs.dir, 'purna.log');
  const out = openSync(logFile, 'a');
  child = spawn(process.execPath, [MAIN, '--no-sim'], {
    env: {
      PATH: process.env.PATH ?? '',
      PURNA_HTTP_HOST: '127.0.0.1',
      PURNA_MQTT_HOST: '127.0.0.1',
      // Any free ports, read from the banner below (one probed free and closed could be taken first).
      PURNA_HTTP_PORT: '0',
      PURNA_MQTT_PORT: '0',
      PURNA_DATA_DIR: dataDir,
      PURNA_MQTT_AUTH: 'open',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child!.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // main.ts's banner: '  Dashboard: http://localhost:<port>/' and '  MQTT:      mqtt://localhost:<port>'.
  const port = (line: RegExp) => line.exec(readFileSync(logFile, 'utf8'))?.[1];
  const bannerHttp = /^ {2}Dashboard: http:\/\/[^\s/]+:(\d+)\//m;
  const bannerMqtt = /^ {2}MQTT: +mqtt:\/\/[^\s/]+:(\d+)\n/m;
  await waitFor(() => port(bannerHttp) !== undefined && port(bannerMqtt) !== undefined, 30_000, 'the banner');
  const httpUrl = `http://127.0.0.1:${port(bannerHttp)}/`;
  const mqttUrl = `mqtt://127.0.0.1:${port(bannerMqtt)}`;
  await waitFor(() => healthy(httpUrl), 30_000, 'purna answering /healthz');

  fs.fill();
  // Every request and every rejected message wants a log line: far more than the last page held.
  const rounds = 40;
  let httpOk = 0;
  let mqttOk = 0;
  for (let i = 0; i < rounds; i++) {
    if (await healthy(httpUrl)) httpOk++;
    if (i % 4 === 0 && (await mqttAnswers(mqttUrl, i))) mqttOk++;
  }
  // Lines wait a second for the disk before they are given up.
  let dropped = 0;
  await waitFor(
    async () => {
      const metrics = await fetch(`${httpUrl}metrics`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.text(),
        () => '',
      );
      dropped = Number(/^purna_log_lines_dropped_total (\d+)/m.exec(metrics)?.[1] ?? 0);
      return dropped > rounds;
    },
    10_000,
    'dropped log lines counted',
  ).catch(() => {});
  // Space back: logging resumes by itself and says how many lines it dropped.
  fs.free();
  const noticed = await waitFor(
    async () => (await healthy(httpUrl)) && readFileSync(logFile, 'utf8').includes('log lines dropped'),
    10_000,
    'the dropped-lines notice',
  ).then(
    () => true,
    () => false,
  );

  child.kill('SIGTERM');
  const exit = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
  const figures = {
    httpOk,
    httpTried: rounds,
    mqttOk,
    mqttTried: rounds / 4,
    droppedLogLines: dropped,
    noticed,
    exitCode: exit?.code ?? 'still running after 15 s',
  };
  console.log('log disk full:', JSON.stringify(figures));
  expect(figures).toMatchObject({ httpOk: rounds, mqttOk: rounds / 4, noticed: true, exitCode: 0 });
  expect(figures.droppedLogLines).toBeGreaterThan(rounds);
  child = null;
}, 180_000);
