import { describe, expect, it } from 'vitest';
import { DEFAULT_PAYLOAD_LIMITS, parseTelemetry } from '../../ingest/payload.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const parse = (p: string | Buffer) => parseTelemetry(typeof p === 'string' ? Buffer.from(p) : p, 'pump-0001', NOW);

describe('parseTelemetry: accepted forms', () => {
  it('flat values take the server time', () => {
    const r = parse('{"temperature": 71.2, "vibration": 3.1}');
    expect(r).toEqual({ ok: true, readings: [{ deviceId: 'pump-0001', tsMs: NOW, values: { temperature: 71.2, vibration: 3.1 } }] });
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
    const r = parse(`[{"ts": ${NOW - 2000}, "values": {"temperature": 1}}, {"ts": ${NOW - 1000}, "values": {"humidity_pct": 55}}, {"pressure.bar": 2.5}]`);
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
    ['ts older than the retention', `{"ts": ${NOW - 400 * 86_400_000}, "values": {"t": 1}}`, /older than the retention/],
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
    const many = JSON.stringify(Array.from({ length: DEFAULT_PAYLOAD_LIMITS.maxReadingsPerMessage + 1 }, () => ({ t: 1 })));
    expect(parse(many)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 10000 readings/) });
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`m${i}`, i])));
    expect(parse(wide)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 64 metrics/) });
  });

  it('deeply nested JSON is rejected, not a crash', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect(parse(deep).ok).toBe(false);
  });
});
