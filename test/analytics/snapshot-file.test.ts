import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { AnalyticsStateFile } from '../../analytics/snapshot-file.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { HealthReport } from '../../core/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(path: string) {
  const bus = new EventBus();
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const analytics = new Analytics({
    bus,
    log: pino({ level: 'silent' }),
    deviceModelOf: () => deviceModel('pump-p200'),
  });
  const health: HealthReport[] = [];
  bus.on('health', (h) => health.push(h));
  analytics.start();
  return {
    bus,
    analytics,
    health,
    lines,
    file: new AnalyticsStateFile({ analytics, path, saveEveryMs: 300_000, maxMetricsPerDevice: 32, log }),
  };
}

const t0 = 1_700_000_000_000;
const reading = (i: number) => ({
  deviceId: 'dev-1',
  tsMs: t0 + i * 1000,
  values: { vibration: 1.6 + (i % 7) * 0.01, temperature: 58 + (i % 5) * 0.1 },
});

describe('analytics state file', () => {
  it('saves on stop and a new start carries on from it without a warm-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-analytics-'));
    dirs.push(dir);
    const path = join(dir, 'analytics-state.json');
    const before = setup(path);
    before.file.restore();
    before.file.start();
    for (let i = 0; i < 100; i++) before.bus.emit('telemetry', [reading(i)]);
    before.analytics.stop();
    before.file.stop();
    expect(JSON.parse(readFileSync(path, 'utf8')).devices['dev-1']).toBeDefined();

    const after = setup(path);
    after.file.restore();
    expect(after.analytics.deviceCount).toBe(1);
    expect(after.lines.map((l) => l.msg)).toEqual(['analytics state restored']);
    after.bus.emit('telemetry', [reading(100)]);
    expect(after.health[0].state).not.toBe('warming_up');
  });

  it('an unreadable file is reported and the detectors start afresh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-analytics-'));
    dirs.push(dir);
    const path = join(dir, 'analytics-state.json');
    writeFileSync(path, '{"version": 1, "devi');
    const s = setup(path);
    s.file.restore();
    expect(s.analytics.deviceCount).toBe(0);
    expect(s.lines.map((l) => [l.level, l.msg])).toEqual([[40, 'analytics state unreadable; detectors start afresh']]);
    s.bus.emit('telemetry', [reading(0)]);
    expect(s.health[0].state).toBe('warming_up');
  });
});
