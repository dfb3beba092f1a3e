// The server-side alert list: raised when a device gets worse, goes offline or a job opens; one
// open alert per device and kind (worse again escalates it and asks for a new acknowledgement);
// resolved by recovery or the job's end; acknowledged with a comment and assigned by people; kept
// across a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { HttpError } from '../../core/http-errors.ts';
import { createLogger } from '../../core/log.ts';
import type { HealthReport, HealthState, WorkOrder } from '../../core/types.ts';
import type { WorkOrderState } from '../../core/work-order-states.ts';
import { AlertBook, RESOLVED_SHOWN_MS } from '../../dashboard/alerts/alert-book.ts';
import { openControlRoomDb } from '../../dashboard/history/db.ts';

const T0 = Date.UTC(2026, 11, 3, 7, 0, 0);
let dir: string;
let bus: EventBus;
let now = T0;
const open = () => {
  const db = openControlRoomDb(join(dir, 'control-room.db'));
  const book = new AlertBook({ bus, db, log: createLogger('silent'), nowMs: () => now, retentionMs: 30 * 86_400_000 });
  book.start();
  return {
    book,
    close: () => {
      book.stop();
      db.close();
    },
  };
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'purna-alerts-'));
  bus = new EventBus();
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const health = (deviceId: string, state: HealthState, score: number, rule = 'baseline') =>
  bus.emit('health', {
    deviceId,
    tsMs: now,
    score,
    state,
    rule,
    metric: 'vibration',
    explanation: `${state} because`,
    evidence: { smoothed: 5.2, zoneCD: 7.1 },
  } satisfies HealthReport);
const order = (id: string, state: WorkOrderState): WorkOrder => ({
  id,
  deviceId: 'pump-a-0002',
  mode: 'bearing_wear',
  state,
  evidence: {
    deviceId: 'pump-a-0002',
    tsMs: now,
    score: 20,
    state: 'critical',
    rule: 'iso10816-zone-d',
    evidence: { smoothed: 7.4 },
    explanation: '',
  },
  predictedFailureAtMs: null,
  createdAtMs: now,
  updatedAtMs: now,
  version: 1,
  technicianId: 'tech-1',
});

it('a device getting worse raises one alert that escalates, needs acknowledging again, and resolves on recovery', () => {
  const { book, close } = open();
  health('pump-a-0001', 'healthy', 95); // the first report is the baseline: nothing to compare with
  health('pump-a-0001', 'healthy', 96);
  expect(book.list()).toEqual([]);
  now += 1000;
  health('pump-a-0001', 'watch', 85, 'zscore');
  const [raised] = book.list();
  expect(raised).toMatchObject({
    deviceId: 'pump-a-0001',
    kind: 'health',
    level: 'watch',
    fromState: 'healthy',
    resolvedAtMs: null,
    report: { rule: 'zscore', score: 85 },
  });
  const acknowledged = book.acknowledge(raised.id, 'user-planner-1', '  checking with the site  ');
  expect(acknowledged).toMatchObject({
    acknowledgedBy: 'user-planner-1',
    acknowledgedAtMs: now,
    comment: 'checking with the site',
  });
  now += 1000;
  health('pump-a-0001', 'warning', 60, 'elevated');
  health('pump-a-0001', 'watch', 80, 'zscore'); // better again: the alert keeps its worst level
  now += 1000;
  health('pump-a-0001', 'critical', 5, 'iso10816-zone-d');
  const list = book.list();
  expect(list).toHaveLength(1);
  expect(list[0]).toMatchObject({
    id: raised.id,
    level: 'critical',
    acknowledgedBy: null,
    comment: 'checking with the site',
    report: { rule: 'iso10816-zone-d' },
  });
  now += 1000;
  health('pump-a-0001', 'healthy', 95);
  expect(book.list()[0]).toMatchObject({ id: raised.id, resolvedAtMs: now });
  // A day later it has left the list.
  now += RESOLVED_SHOWN_MS + 1;
  expect(book.list()).toEqual([]);
  close();
});

it('offline and silent are connection alerts, resolved when the device is back online', () => {
  const { book, close } = open();
  bus.emit('deviceStatus', { deviceId: 'motor-a-0003', status: 'silent', tsMs: now });
  bus.emit('deviceStatus', { deviceId: 'motor-a-0003', status: 'offline', tsMs: now });
  expect(book.list()).toMatchObject([
    { deviceId: 'motor-a-0003', kind: 'connection', level: 'offline', resolvedAtMs: null },
  ]);
  now += 5000;
  bus.emit('deviceStatus', { deviceId: 'motor-a-0003', status: 'online', tsMs: now });
  expect(book.list()).toMatchObject([{ kind: 'connection', resolvedAtMs: now }]);
  close();
});

it('a job raises an alert when it opens (not when first seen later) and resolves when it ends', () => {
  const { book, close } = open();
  bus.emit('workOrder', order('WO-7', 'open'));
  bus.emit('workOrder', order('WO-7', 'assigned'));
  bus.emit('workOrder', order('WO-8', 'on_site')); // opened before this book existed
  expect(book.list()).toMatchObject([
    { kind: 'work_order', workOrderId: 'WO-7', level: 'bearing_wear', deviceId: 'pump-a-0002', resolvedAtMs: null },
  ]);
  now += 1000;
  bus.emit('workOrder', order('WO-7', 'resolved'));
  expect(book.list()).toMatchObject([{ workOrderId: 'WO-7', resolvedAtMs: now }]);
  close();
});

it('assigns to a planner and back to nobody; the list, acknowledgements and assignments survive a restart', () => {
  const first = open();
  health('comp-a-0001', 'healthy', 100);
  health('comp-a-0001', 'warning', 55, 'elevated');
  const [a] = first.book.list();
  first.book.assign(a.id, 'user-lead', 'user-planner-2');
  first.book.acknowledge(a.id, 'user-planner-2', 'technician called');
  expect(first.book.takeChanges().map((c) => c.id)).toEqual([a.id]);
  expect(first.book.takeChanges()).toEqual([]);
  first.close();

  bus = new EventBus();
  const second = open();
  expect(second.book.list()).toMatchObject([
    {
      id: a.id,
      level: 'warning',
      assignedTo: 'user-planner-2',
      assignedBy: 'user-lead',
      acknowledgedBy: 'user-planner-2',
      comment: 'technician called',
    },
  ]);
  expect(second.book.assign(a.id, 'user-lead', null)).toMatchObject({
    assignedTo: null,
    assignedBy: null,
    assignedAtMs: null,
  });
  // The first report after the restart is the baseline again; recovery still resolves the open alert.
  health('comp-a-0001', 'healthy', 100);
  expect(second.book.list()[0].resolvedAtMs).toBe(now);
  expect(() => second.book.acknowledge(999, 'x', undefined)).toThrow(HttpError);
  expect(() => second.book.acknowledge(a.id, 'x', 'y'.repeat(501))).toThrow(/at most 500 characters/);
  second.close();
});
