// The health history behind the device page: what is kept of a report a second (a state change at
// once, else at most a row a minute, a heartbeat every 15 minutes while nothing changes), what a
// range gives back (the row in force at its start, the worst of each slice when there are more than
// asked for), the device's events, and that it survives a restart and its retention.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { HealthReport, HealthState } from '../../core/types.ts';
import { openControlRoomDb } from '../../dashboard/history/db.ts';
import { HEARTBEAT_MS, HealthHistory } from '../../dashboard/history/health-history.ts';

const T0 = Date.UTC(2026, 11, 3, 0, 0, 0);
const DEVICE = 'pump-h-0001';
let dir: string;
let bus: EventBus;
let now = T0;
const open = () => {
  const db = openControlRoomDb(join(dir, 'control-room.db'));
  const history = new HealthHistory({
    bus,
    db,
    log: createLogger('silent'),
    nowMs: () => now,
    retentionMs: 7 * 86_400_000,
  });
  history.start();
  return {
    db,
    history,
    close: () => {
      history.stop();
      db.close();
    },
  };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'purna-history-'));
  bus = new EventBus();
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const report = (tsMs: number, score: number, state: HealthState, extra: Partial<HealthReport> = {}): HealthReport => ({
  deviceId: DEVICE,
  tsMs,
  score,
  state,
  metric: 'temperature',
  rule: 'baseline',
  explanation: '',
  evidence: { baselineMean: 60, baselineStd: 2, smoothed: 61, ratedMax: 90 },
  ...extra,
});

it('keeps a state change at once, else at most a row a minute and a heartbeat while nothing changes', () => {
  const { history, close } = open();
  // A report a second for 40 minutes: healthy, the same score throughout, then watch at 30:00.
  for (let s = 0; s < 40 * 60; s++) {
    const state: HealthState = s >= 30 * 60 ? 'watch' : 'healthy';
    bus.emit(
      'health',
      report(T0 + s * 1000, state === 'watch' ? 85 : 100, state, state === 'watch' ? { rule: 'zscore' } : {}),
    );
  }
  const points = history.points(DEVICE, T0, T0 + 3600_000, 1000);
  // 00:00 (first), the heartbeats at 15:00 and 30:00 ... and 30:00 is also the change to watch.
  expect(points.map((p) => [(p.tsMs - T0) / 1000, p.state])).toEqual([
    [0, 'healthy'],
    [HEARTBEAT_MS / 1000, 'healthy'],
    [1800, 'watch'],
  ]);
  expect(points[2]).toMatchObject({
    score: 85,
    rule: 'zscore',
    metric: 'temperature',
    evidence: { baselineMean: 60, baselineStd: 2, ratedMax: 90 },
  });
  close();
});

it('writes a row a minute while the score or the baseline moves, never closer', () => {
  const { history, close } = open();
  for (let s = 0; s < 10 * 60; s++) {
    // A creeping fault: score and baseline change every second, the state stays warning.
    bus.emit(
      'health',
      report(T0 + s * 1000, 60 - s / 60, 'warning', {
        evidence: { baselineMean: 60 + s / 10, baselineStd: 2, smoothed: 70 },
      }),
    );
  }
  const ts = history.points(DEVICE, T0, T0 + 600_000, 1000).map((p) => (p.tsMs - T0) / 1000);
  expect(ts).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480, 540]);
  close();
});

it('gives the row in force at the start of a range first, and the worst of each slice when there are too many', () => {
  const { history, close } = open();
  // One row per minute for 2 hours (the state flips each minute), one dip to 10 at minute 67.
  for (let m = 0; m < 120; m++)
    bus.emit('health', report(T0 + m * 60_000, m === 67 ? 10 : 80 - (m % 2), m % 2 ? 'warning' : 'watch'));
  const range = history.points(DEVICE, T0 + 3600_000, T0 + 7200_000 - 1, 6);
  expect(range[0].tsMs).toBe(T0 + 59 * 60_000); // before the range: what held at its start
  expect(range.slice(1)).toHaveLength(6);
  expect(range.slice(1).map((p) => p.score)).toEqual([10, 79, 79, 79, 79, 79]);
  close();
});

it('records health transitions, connection changes and sensor faults (one a minute) as events, newest first', () => {
  const { history, close } = open();
  bus.emit('health', report(T0, 100, 'healthy'));
  bus.emit('health', report(T0 + 1000, 100, 'healthy'));
  bus.emit('health', report(T0 + 2000, 30, 'critical', { rule: 'rated-max-temperature' }));
  bus.emit('deviceStatus', { deviceId: DEVICE, status: 'online', tsMs: T0 + 3000 });
  bus.emit('deviceStatus', { deviceId: DEVICE, status: 'online', tsMs: T0 + 3500 });
  bus.emit('deviceStatus', { deviceId: DEVICE, status: 'offline', tsMs: T0 + 4000 });
  for (let s = 0; s < 90; s++)
    bus.emit('sensorFault', {
      deviceId: DEVICE,
      readings: [{ deviceId: DEVICE, tsMs: T0 + 5000 + s * 1000, values: { temperature: -400 } }],
      reason: 'temperature -400 is below the sensor range',
      tsMs: T0 + 5000 + s * 1000,
    });
  const events = history.events(DEVICE, T0, T0 + 3600_000, 100);
  expect(events.map((e) => [e.kind, e.from, e.to, (e.tsMs - T0) / 1000])).toEqual([
    ['sensor_fault', null, 'sensor_fault', 65],
    ['sensor_fault', null, 'sensor_fault', 5],
    ['connection', 'online', 'offline', 4],
    ['connection', null, 'online', 3],
    ['health', 'healthy', 'critical', 2],
  ]);
  expect(events[4].detail).toEqual({ rule: 'rated-max-temperature', metric: 'temperature', score: 30 });
  expect(events[0].detail).toMatchObject({ metric: 'temperature', value: -400 });
  close();
});

it('after a restart it knows the last stored state (a change is an event and a row), and deletes what is older than the retention', () => {
  const first = open();
  bus.emit('health', report(T0, 40, 'warning'));
  first.close();
  bus = new EventBus();
  const second = open();
  bus.emit('health', report(T0 + 10_000, 45, 'warning')); // same state, 10 s later: not stored
  bus.emit('health', report(T0 + 20_000, 100, 'healthy'));
  expect(second.history.points(DEVICE, T0, T0 + 60_000, 100).map((p) => p.state)).toEqual(['warning', 'healthy']);
  expect(second.history.events(DEVICE, T0, T0 + 60_000, 10).map((e) => `${e.from}→${e.to}`)).toEqual([
    'warning→healthy',
  ]);
  now = T0 + 7 * 86_400_000 + 15_000;
  second.history.prune();
  expect(second.history.points(DEVICE, 0, T0 + 60_000, 100).map((p) => p.state)).toEqual(['healthy']);
  second.close();
});
