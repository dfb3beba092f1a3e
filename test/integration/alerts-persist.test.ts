// The alert list survives a restart (control-room.db in the data dir): an alert acknowledged with
// a comment and assigned before the restart is listed the same after it, a worse report after the
// restart escalates that same alert (and asks for a new acknowledgement, the comment kept), and
// recovery resolves it. Through the HTTP API of a real Purna, stopped and started on one data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Alert } from '../../dashboard/alerts/alert-book.ts';
import type { HealthReport } from '../../core/types.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-alerts-api-'));
const DEVICE = 'pump-persist-01';
let purna: TestPurna | undefined;
afterAll(async () => {
  await purna?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const health = (state: HealthReport['state'], score: number): HealthReport => ({
  deviceId: DEVICE,
  tsMs: Date.now(),
  score,
  state,
  rule: 'elevated',
  metric: 'temperature',
  explanation: '',
  evidence: { smoothed: 81, baselineMean: 70, baselineStd: 2, elevationSigmas: 5.5 },
  timeToThresholdMs: null,
});

async function api(p: TestPurna, cookie: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${p.dashboardUrl}api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers:
      body === undefined ? { cookie } : { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
const alertOf = async (p: TestPurna, cookie: string) =>
  ((await api(p, cookie, 'alerts')).json.alerts as Alert[]).find((a) => a.deviceId === DEVICE && a.kind === 'health');

it('acknowledged and assigned before a restart, the same after it; escalated, then resolved', async () => {
  purna = await startTestPurna({}, dataDir);
  let cookie = await loginAs(purna, 'planner');
  const planner = purna.users.byEmail('planner@test.purna')!;
  purna.bus.emit('health', health('healthy', 97));
  purna.bus.emit('health', health('warning', 55));
  const raised = (await alertOf(purna, cookie))!;
  expect(raised).toMatchObject({ level: 'warning', fromState: 'healthy', resolvedAtMs: null });
  expect(
    (await api(purna, cookie, `alerts/${raised.id}/acknowledge`, { comment: 'site asked to check the fan' })).status,
  ).toBe(200);
  expect((await api(purna, cookie, `alerts/${raised.id}/assign`, { userId: planner.id })).status).toBe(200);

  await purna.stop();
  purna = await startTestPurna({}, dataDir);
  cookie = await loginAs(purna, 'planner');
  const kept = (await alertOf(purna, cookie))!;
  expect(kept).toMatchObject({
    id: raised.id,
    level: 'warning',
    acknowledgedBy: planner.id,
    comment: 'site asked to check the fan',
    assignedTo: planner.id,
    resolvedAtMs: null,
  });

  // After the restart the first report is the baseline; a worse one escalates the same alert.
  purna.bus.emit('health', health('warning', 50));
  purna.bus.emit('health', health('critical', 20));
  const escalated = (await alertOf(purna, cookie))!;
  expect(escalated).toMatchObject({ id: raised.id, level: 'critical', acknowledgedBy: null, assignedTo: planner.id });
  expect(escalated.comment).toBe('site asked to check the fan');

  purna.bus.emit('health', health('healthy', 96));
  const resolved = (await alertOf(purna, cookie))!;
  expect(resolved.id).toBe(raised.id);
  expect(resolved.resolvedAtMs).not.toBeNull();
});
