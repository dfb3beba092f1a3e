// A periodic job that fails must cost that run, not the process: here the analytics snapshot,
// whose write throws every time (its temporary file's path is a directory), in Purna as its own
// process. Before, the first failing write was an uncaught exception and Purna exited.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { eventually } from '../support/purna.ts';
import { startPurnaProcess } from '../support/purna-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-timer-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a failing analytics snapshot is logged and counted at every run; Purna keeps serving and ingesting, and stops cleanly', async () => {
  mkdirSync(join(dataDir, 'analytics-state.json.tmp'));
  const purna = await startPurnaProcess({ PURNA_DATA_DIR: dataDir, PURNA_ANALYTICS_SNAPSHOT_EVERY_MS: '1000' });
  try {
    const failures = () =>
      purna
        .output()
        .split('\n')
        .filter((l) => l.includes('"job":"analytics snapshot"') && l.includes('periodic job failed')).length;
    await eventually(() => failures() >= 2, 15_000);
    const line = JSON.parse(
      purna
        .output()
        .split('\n')
        .find((l) => l.includes('"job":"analytics snapshot"'))!,
    );
    expect(line).toMatchObject({ level: 50, part: 'analytics', err: { code: 'EISDIR' } });
    expect(purna.child.exitCode).toBe(null);

    // Still serving and ingesting.
    expect((await fetch(`${purna.httpUrl}healthz`)).status).toBe(200);
    const client = mqtt.connect(purna.mqttUrl, { clientId: 'pump-timer-0001', protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.publishAsync(topics.telemetry('pump-timer-0001'), JSON.stringify({ temperature: 50, vibration: 2 }), {
      qos: 1,
    });
    await client.endAsync();
    const metrics = await (await fetch(`${purna.httpUrl}metrics`)).text();
    expect(metrics).toMatch(/^purna_mqtt_messages_received_total 1$/m);
    expect(
      Number(/^purna_periodic_job_failures_total\{job="analytics snapshot"\} (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(2);
  } finally {
    purna.child.kill('SIGTERM');
  }
  // The snapshot on stop fails the same way: logged, and the rest of the stop goes on.
  expect(await purna.exited).toEqual({ code: 0, signal: null });
});
