// The store's own line builder must write exactly what the client library's Point writes.
import { expect, it } from 'vitest';
import type { Reading } from '../../core/types.ts';
import { prng } from '../../device-sim/series.ts';
import { toLineProtocol, toLineProtocolWithPoint } from '../../store/influx-store.ts';

it('writes the same line as Point for awkward names and numbers', () => {
  const rand = prng(99);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const names = [
    'temperature',
    'vibration',
    'a b',
    'x,y',
    'k=v',
    'back\\slash',
    'ünïcödé',
    'tab\tname',
    'quote"d',
    '_z',
    'A',
    'a',
  ];
  const ids = ['pump-0001', 'dev with space', 'd,comma', 'd=eq', 'd\\bs', 'ü-1', 'x'];
  const numbers = [
    0,
    -0,
    1,
    -1.5,
    1e21,
    1e-7,
    123456789.123456,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    0.1 + 0.2,
    -273.15,
  ];
  let compared = 0;
  for (let i = 0; i < 2000; i++) {
    const values: Record<string, number> = {};
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++)
      values[pick(names)] = rand() < 0.5 ? pick(numbers) : (rand() - 0.5) * 10 ** Math.floor(rand() * 12);
    const reading: Reading = { deviceId: pick(ids), tsMs: 1_700_000_000_000 + Math.floor(rand() * 1e9), values };
    const ours = toLineProtocol(reading);
    expect(ours).toBe(toLineProtocolWithPoint(reading));
    expect(ours).toMatch(/^telemetry,device=\S/);
    compared++;
  }
  expect(compared).toBe(2000);
});

it('refuses a value Point refuses, and writes no line for a reading without fields', () => {
  const bad: Reading = { deviceId: 'd', tsMs: 1, values: { temperature: Number.NaN } };
  expect(() => toLineProtocolWithPoint(bad)).toThrow(/invalid float value/);
  expect(() => toLineProtocol(bad)).toThrow(/invalid float value/);
  const empty: Reading = { deviceId: 'd', tsMs: 1, values: {} };
  expect(toLineProtocol(empty)).toBeUndefined();
  expect(toLineProtocolWithPoint(empty)).toBeUndefined();
});

it('a batch body is the lines joined by newlines, in UTF-8, however long', async () => {
  const { linesBuffer } = await import('../../store/influx-store.ts');
  const readings: Reading[] = Array.from({ length: 3000 }, (_, i) => ({
    deviceId: i % 3 ? `pump-${i}` : `ü-${'x'.repeat(i % 50)}`,
    tsMs: 1_700_000_000_000 + i,
    values: { temperature: i / 7, 'vibr ü': -i },
  }));
  readings.push({ deviceId: 'empty', tsMs: 1, values: {} });
  const expected = readings
    .map(toLineProtocolWithPoint)
    .filter((l) => l !== undefined)
    .join('\n');
  expect(linesBuffer(readings).toString('utf8')).toBe(expected);
  expect(linesBuffer([]).length).toBe(0);
});
