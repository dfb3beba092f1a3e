import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { topics } from '../../core/topics.ts';
import { connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
beforeAll(async () => {
  purna = await startTestPurna();
});
afterAll(async () => {
  await purna?.destroy();
});

it('/healthz answers and /metrics counts what ingest did', async () => {
  expect((await fetch(`${purna.dashboardUrl}healthz`)).status).toBe(200);
  const device = await connectDevice(purna.mqttUrl, 'motor-ops-0001');
  for (let i = 0; i < 7; i++)
    await device.publishAsync(topics.telemetry('motor-ops-0001'), JSON.stringify({ temperature: 50 + i }), { qos: 1 });
  await device.publishAsync(topics.telemetry('motor-ops-0001'), 'not json', { qos: 1 });
  await eventually(() => purna.writer.stats.storedReadings === 7);
  const text = await (await fetch(`${purna.dashboardUrl}metrics`)).text();
  const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
  expect(value('purna_mqtt_messages_received_total')).toBe(8);
  expect(value('purna_mqtt_messages_rejected_total')).toBe(1);
  expect(value('purna_readings_stored_total')).toBe(7);
  expect(value('purna_detector_samples_total')).toBe(7);
  expect(value('purna_mqtt_clients')).toBe(1);
  expect(text).toMatch(/^purna_write_batch_seconds_count [1-9]/m);
  expect(text).toMatch(/^purna_nodejs_eventloop_lag_seconds /m);
  await device.endAsync();
});

it('/readyz is 200 when ready and 503 naming the broker once it stops listening', async () => {
  const ready = await fetch(`${purna.dashboardUrl}readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
  expect(body.checks.map((c) => c.name)).toEqual([
    'mqtt broker',
    'telemetry store',
    'telemetry writer',
    'write-ahead log',
    'write queue',
  ]);
  await purna.broker.stop();
  const notReady = await fetch(`${purna.dashboardUrl}readyz`);
  expect(notReady.status).toBe(503);
  const nb = (await notReady.json()) as { checks: { name: string; ok: boolean }[] };
  expect(nb.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['mqtt broker']);
});

describe('/metrics (issue 18)', () => {
  const scrape = (p: TestPurna, headers: Record<string, string> = {}) => fetch(`${p.dashboardUrl}metrics`, { headers });
  const samples = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => ({ name: l.slice(0, l.lastIndexOf(' ')), value: Number(l.slice(l.lastIndexOf(' ') + 1)) }));

  it('is right from the first scrape: no NaN, no int64-max sentinel, the lag measured at the scrape', async () => {
    const fresh = await startTestPurna();
    try {
      // Concurrent and back-to-back scrapes: windows the event-loop histogram has no sample for.
      const first = await Promise.all([scrape(fresh), scrape(fresh), scrape(fresh)]);
      const texts = [
        ...(await Promise.all(
          first.map((r) => {
            expect(r.status).toBe(200);
            return r.text();
          }),
        )),
        await (await scrape(fresh)).text(),
      ];
      for (const text of texts.toReversed()) {
        const all = samples(text);
        expect(all.length).toBeGreaterThan(50);
        expect(all.filter((s) => !Number.isFinite(s.value)).map((s) => s.name)).toEqual([]);
        const loop = Object.fromEntries(
          all.filter((s) => s.name.startsWith('purna_nodejs_eventloop_lag')).map((s) => [s.name, s.value]),
        );
        expect(Object.keys(loop)).toHaveLength(8);
        for (const [name, v] of Object.entries(loop)) {
          expect(v, name).toBeGreaterThanOrEqual(0);
          expect(v, name).toBeLessThan(60); // seconds; 9223372036.85 was int64 max in ns
        }
        expect(loop.purna_nodejs_eventloop_lag_seconds).toBeGreaterThan(0); // measured, not last scrape's 0
        expect(loop.purna_nodejs_eventloop_lag_min_seconds).toBeLessThanOrEqual(
          loop.purna_nodejs_eventloop_lag_p50_seconds,
        );
        expect(loop.purna_nodejs_eventloop_lag_p50_seconds).toBeLessThanOrEqual(
          loop.purna_nodejs_eventloop_lag_max_seconds,
        );
      }
    } finally {
      await fresh.destroy();
    }
  });

  it('with PURNA_METRICS_TOKEN set, needs it as a bearer token, from loopback too', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const guarded = await startTestPurna({ metricsToken: token });
    try {
      const none = await scrape(guarded);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="purna-metrics"');
      expect((await none.json()).message).toMatch(/Authorization: Bearer/);
      expect((await scrape(guarded, { authorization: `Bearer ${token}x` })).status).toBe(401);
      expect((await scrape(guarded, { authorization: `Basic ${token}` })).status).toBe(401);
      const ok = await scrape(guarded, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^purna_mqtt_messages_received_total 0$/m);
      expect((await fetch(`${guarded.dashboardUrl}healthz`)).status).toBe(200); // probes stay open
    } finally {
      await guarded.destroy();
    }
  });

  it('without a token, only the addresses PURNA_METRICS_ALLOW_FROM names (default loopback) may scrape', async () => {
    const elsewhere = await startTestPurna({ metricsAllowFrom: ['10.0.0.0/8'] });
    try {
      const refused = await scrape(elsewhere);
      expect(refused.status).toBe(403);
      expect((await refused.json()).message).toBe(
        'metrics are served to 10.0.0.0/8 without a token; set PURNA_METRICS_TOKEN to scrape from elsewhere',
      );
      // A forwarded-for header does not make a client local.
      expect((await scrape(elsewhere, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(403);
    } finally {
      await elsewhere.destroy();
    }
    // Behind a reverse proxy on loopback (PURNA_TRUST_PROXY), the client it forwards for is judged,
    // so the proxy does not open /metrics to the outside.
    const proxied = await startTestPurna({ trustProxy: ['127.0.0.1'] });
    try {
      expect((await scrape(proxied, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
      expect((await scrape(proxied, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
      expect((await scrape(proxied)).status).toBe(200);
    } finally {
      await proxied.destroy();
    }
    expect(() => loadConfig({ PURNA_TRUST_PROXY: 'my-proxy' }, [])).toThrow(
      /PURNA_TRUST_PROXY must list IP addresses or CIDR ranges/,
    );
    expect(loadConfig({}, []).metricsAllowFrom).toEqual(['127.0.0.0/8', '::1']);
    expect(() => loadConfig({ PURNA_METRICS_TOKEN: 'too-short' }, [])).toThrow(
      /PURNA_METRICS_TOKEN must have at least 24 characters/,
    );
    expect(() => loadConfig({ PURNA_METRICS_ALLOW_FROM: 'prometheus.internal' }, [])).toThrow(
      /PURNA_METRICS_ALLOW_FROM must list IP addresses or CIDR ranges/,
    );
  });
});
