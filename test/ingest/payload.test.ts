import { describe, expect, it } from 'vitest';
import { DEFAULT_PAYLOAD_LIMITS, parseTelemetry } from '../../ingest/payload.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const parse = (p: string | Buffer) => parseTelemetry(typeof p === 'string' ? Buffer.from(p) : p, 'pump-0001', NOW);

describe('parseTelemetry: accepted forms', () => {
  it('flat values take the server time', () => {
    const r = parse('{"temperature": 71.2, "vibration": 3.1}');
    expect(r).toEqual({
      ok: true,
      readings: [{ deviceId: 'pump-0001', tsMs: NOW, values: { temperature: 71.2, vibration: 3.1 } }],
    });
  });

  it('{ts, values} takes the device time, epoch ms or ISO 8601', () => {
    const ms = parse(`{"ts": ${NOW - 5000}, "values": {"temperature": 70}}`);
    expect(ms.ok && ms.readings[0].tsMs).toBe(NOW - 5000);
    const iso = parse('{"ts": "2026-11-22T11:59:00.500Z", "values": {"temperature": 70}}');
    expect(iso.ok && iso.readings[0].tsMs).toBe(NOW - 59_500);
    const offset = parse('{"ts": "2026-11-22T18:59:00+07:00", "values": {"temperature": 70}}');
    expect(offset.ok && offset.readings[0].tsMs).toBe(NOW - 60_000);
  });

  it('an array carries several readings in order; unknown metric names are kept as they come', () => {
    const r = parse(
      `[{"ts": ${NOW - 2000}, "values": {"temperature": 1}}, {"ts": ${NOW - 1000}, "values": {"humidity_pct": 55}}, {"pressure.bar": 2.5}]`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.readings.map((x) => x.tsMs)).toEqual([NOW - 2000, NOW - 1000, NOW]);
    expect(r.readings[1].values).toEqual({ humidity_pct: 55 });
    expect(r.readings[2].values).toEqual({ 'pressure.bar': 2.5 });
  });
});

describe('parseTelemetry: rejected with a reason', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['not JSON', '{"temperature": ', /not valid JSON/],
    ['bad UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), /not valid UTF-8/],
    ['a string value', '{"temperature": "hot"}', /temperature must be a number, got string/],
    ['null value', '{"temperature": null}', /temperature must be a number, got null/],
    ['a nested object as value', '{"temperature": {"a": 1}}', /must be a number, got object/],
    ['a huge number (Infinity after parse)', '{"temperature": 1e400}', /temperature must be finite/],
    ['a bare number', '42', /must be a JSON object, got number/],
    ['an empty object', '{}', /no metric values/],
    ['an empty array', '[]', /empty array/],
    ['ts in the far future', `{"ts": ${NOW + 3600_000}, "values": {"t": 1}}`, /too far in the future/],
    [
      'ts older than the window',
      `{"ts": ${NOW - 400 * 86_400_000}, "values": {"t": 1}}`,
      /too old: more than 365 days before server time/,
    ],
    ['ts not a date', '{"ts": "yesterday", "values": {"t": 1}}', /must be ISO 8601/],
    ['ts a float', '{"ts": 1.5, "values": {"t": 1}}', /integer of epoch milliseconds/],
    ['a metric name with a space', '{"tem perature": 1}', /metric name "tem perature" is not allowed/],
    ['a __proto__ metric', '{"__proto__": 5, "temperature": 1}', /metric name "__proto__" is not allowed/],
    ['an extra key beside values', '{"ts": 1, "values": {"t": 1}, "x": 2}', /unexpected key "x"/],
    ['one bad element of an array', `[{"t": 1}, {"t": "x"}]`, /^\[1\]\.t must be a number/],
  ];
  for (const [name, payload, reason] of cases) {
    it(name, () => {
      const r = parse(payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }

  it('too many readings or metrics', () => {
    const many = JSON.stringify(
      Array.from({ length: DEFAULT_PAYLOAD_LIMITS.maxReadingsPerMessage + 1 }, () => ({ t: 1 })),
    );
    expect(parse(many)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 10000 readings/) });
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`m${i}`, i])));
    expect(parse(wide)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 64 metrics/) });
  });

  it('deeply nested JSON is rejected, not a crash', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(parse(deep).ok).toBe(false);
  });
});

describe('parseTelemetry: timestamps no Date can hold, and absurd magnitudes', () => {
  const cases: [string, string, RegExp][] = [
    // 1e16 ms is beyond what a Date holds (±8.64e15): formatting it for the reason used to throw.
    [
      'ts 1e16',
      '{"ts": 1e16, "values": {"temperature": 1}}',
      /ts 10000000000000000 is too far in the future: more than 5 min ahead/,
    ],
    [
      'ts -1e16',
      '{"ts": -1e16, "values": {"temperature": 1}}',
      /ts -10000000000000000 is too old: more than 365 days before/,
    ],
    ['ts 1e300, flat form', '{"ts": 1e300, "temperature": 1}', /ts 1e\+300 is too far in the future/],
    [
      'ts just past the largest Date',
      `{"ts": ${8.64e15 + 1}, "values": {"t": 1}}`,
      /ts 8640000000000001 is too far in the future/,
    ],
    ['ts in year 275760 as ISO', '{"ts": "+275760-09-13T00:00:00Z", "values": {"t": 1}}', /must be ISO 8601/],
    ['a value beyond ±1e15', '{"pressure": -1e300}', /pressure -1e\+300 is beyond ±1000000000000000/],
  ];
  for (const [name, payload, reason] of cases) {
    it(name, () => {
      const r = parse(payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    });
  }

  it('the window is a setting: a day ahead accepted when allowed, not by default', () => {
    const ahead = `{"ts": ${NOW + 23 * 3600_000}, "values": {"t": 1}}`;
    expect(parse(ahead).ok).toBe(false);
    expect(
      parseTelemetry(Buffer.from(ahead), 'pump-0001', NOW, { ...DEFAULT_PAYLOAD_LIMITS, maxFutureSkewMs: 86_400_000 })
        .ok,
    ).toBe(true);
  });
});

describe('parseTelemetry never throws', () => {
  /** Awkward JSON values: big, tiny, negative, odd types, prototype names, long strings. */
  const atoms: unknown[] = [
    0,
    -0,
    1,
    -1,
    1.5,
    1e15,
    -1e15,
    1e16,
    -1e16,
    8.64e15,
    8.64e15 + 1,
    -8.64e15 - 1,
    1e300,
    -1e300,
    5e-324,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    'x',
    'NaN',
    'Infinity',
    '-Infinity',
    '2026-11-22',
    '2026-11-22T12:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01',
    '2026-13-45T99:99:99Z',
    'a'.repeat(5000),
    '\u0000',
    '\ud800',
    null,
    true,
    false,
    [],
    {},
    [1, 2],
    { a: 1 },
  ];
  const keys = [
    'ts',
    'values',
    'temperature',
    'vibration',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '',
    ' ',
    'é',
    'a'.repeat(100),
    '0',
    '1e3',
    'ts ',
    'VALUES',
  ];

  function randomValue(rand: () => number, depth: number): unknown {
    const r = rand();
    if (depth > 3 || r < 0.5) return atoms[Math.floor(rand() * atoms.length)];
    if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    const obj: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--)
      obj[keys[Math.floor(rand() * keys.length)]] = randomValue(rand, depth + 1);
    return obj;
  }

  it('10,000 random JSON documents and byte strings: each is accepted or rejected with a reason', async () => {
    const { prng } = await import('../../device-sim/fleet.ts');
    const rand = prng(20261122);
    let rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      let payload: Buffer;
      if (i % 10 === 0)
        payload = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      else {
        // JSON.stringify writes "__proto__" as an own key, as a device could.
        const text = JSON.stringify(randomValue(rand, 0)) ?? 'undefined';
        payload = Buffer.from(i % 7 === 0 ? text.slice(0, Math.floor(rand() * text.length)) : text);
      }
      const r = parseTelemetry(payload, 'pump-0001', NOW);
      if (!r.ok) {
        rejected++;
        expect(typeof r.reason).toBe('string');
        expect(r.reason.length).toBeGreaterThan(5);
      } else {
        expect(r.readings.length).toBeGreaterThan(0);
      }
    }
    // Random documents are almost never valid telemetry: the generator does reach the rejections.
    expect(rejected).toBeGreaterThan(9_500);
  });
});
