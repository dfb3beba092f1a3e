import { describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { DispatchRequest, HealthReport } from '../../core/types.ts';
import { prng } from '../../device-sim/fleet.ts';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

/** Streams `n` one-second samples of `signal(i)` for one device and collects what analytics says. */
function run(signal: (i: number) => Record<string, number>, n: number, modelId = 'pump-p200', stepMs = 1000) {
  const bus = new EventBus();
  const analytics = new Analytics({ bus, log: createLogger('silent'), deviceModelOf: () => deviceModel(modelId) });
  const dispatches: DispatchRequest[] = [];
  const cancels: { mode: string; tsMs: number; reason: string }[] = [];
  const health: HealthReport[] = [];
  bus.on('dispatch', (d) => dispatches.push(d));
  bus.on('dispatchCancel', (c) => cancels.push(c));
  bus.on('health', (h) => health.push(h));
  analytics.start();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) bus.emit('telemetry', [{ deviceId: 'dev-1', tsMs: t0 + i * stepMs, values: signal(i) }]);
  return { dispatches, cancels, health, t0 };
}

describe('streaming detector', () => {
  it('steady noise opens nothing and stays healthy', () => {
    const rand = prng(7);
    const { dispatches, health } = run(
      () => ({ vibration: 1.6 + 0.05 * gaussian(rand), temperature: 58 + 0.3 * gaussian(rand) }),
      5000,
    );
    expect(dispatches).toEqual([]);
    const after = health.slice(100);
    expect(after.length).toBe(4900);
    expect(after.every((h) => h.state === 'healthy' || h.state === 'watch')).toBe(true);
    expect(after.filter((h) => h.state === 'watch').length).toBeLessThan(25);
    expect(after.filter((h) => h.rule === 'cusum-shift')).toEqual([]);
  });

  it('a lasting shift too small for the elevation rule is found by the CUSUM: watched, not dispatched', () => {
    const rand = prng(5);
    // +0.7 mm/s is about 3 σ of this pump's normal spread (its floor: 8 % of zone B/C), under the
    // elevation rule's 4 σ, so only its persistence makes it news. Five-minute samples: the CUSUM
    // adds evidence up per five minutes of time, whatever the sampling rate.
    const { health, dispatches } = run(
      (i) => ({ vibration: (i < 1000 ? 1.6 : 2.3) + 0.05 * gaussian(rand) }),
      1200,
      'pump-p200',
      300_000,
    );
    expect(health.slice(0, 1000).filter((h) => h.rule === 'cusum-shift')).toEqual([]);
    const shifted = health.slice(1000).findIndex((h) => h.rule === 'cusum-shift');
    expect(shifted).toBeGreaterThan(5);
    expect(shifted).toBeLessThan(120);
    const report = health[1000 + shifted];
    expect(report.state).toBe('watch');
    expect(report.explanation).toMatch(/shifted up/);
    expect(report.evidence.elevationSigmas).toBeLessThan(4);
    expect(dispatches).toEqual([]);
  });

  it('a step in vibration is detected and explained', () => {
    const rand = prng(11);
    const { health, dispatches } = run((i) => ({ vibration: (i < 200 ? 1.6 : 3.4) + 0.05 * gaussian(rand) }), 260);
    const before = health[199];
    const after = health[215];
    expect(before.state).toBe('healthy');
    expect(after.score).toBeLessThan(70);
    expect(after.metric).toBe('vibration');
    expect(after.explanation).toMatch(/vibration/);
    // Zone C of class II (2.8–7.1 mm/s) is not yet damage: no dispatch on a flat step without a trend towards D.
    expect(dispatches.filter((d) => d.mode === 'bearing_wear').length).toBeLessThanOrEqual(1);
  });

  it('a ramp towards the failure threshold is detected and dispatched once, before the crossing', () => {
    const rand = prng(3);
    // Bearing wear: from 1.6 mm/s at t=100 s rising to 7.1 mm/s (class II zone C/D) at t=300 s.
    const vib = (i: number) => 1.6 + (i > 100 ? (5.5 * (i - 100)) / 200 : 0);
    const { dispatches, health, t0 } = run(
      (i) => ({ vibration: vib(i) + 0.05 * gaussian(rand), temperature: 58 + 0.3 * gaussian(rand) }),
      400,
    );
    expect(dispatches.length).toBe(1);
    const d = dispatches[0];
    expect(d.mode).toBe('bearing_wear');
    const crossingMs = t0 + 300_000;
    expect(d.tsMs).toBeLessThan(crossingMs - 60_000);
    expect(d.predictedFailureAtMs).toBeGreaterThan(d.tsMs);
    // Once the trend window lies on the ramp (t=200 s, 100 s before the crossing), the forecast
    // crossing time is within 15 s of the true one.
    const mid = health[200];
    expect(mid.timeToThresholdMs).toBeGreaterThan(0);
    expect(Math.abs(mid.tsMs + mid.timeToThresholdMs! - crossingMs)).toBeLessThan(15_000);
    expect(health.at(-1)!.state).toBe('critical');
  });

  it('a temperature ramp is a cooling failure', () => {
    const rand = prng(5);
    const { dispatches } = run(
      (i) => ({
        vibration: 2.4 + 0.05 * gaussian(rand),
        temperature: 78 + (i > 100 ? ((105 - 78) * (i - 100)) / 200 : 0) + 0.3 * gaussian(rand),
      }),
      400,
      'compressor-c75',
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['cooling_failure']);
  });

  it('a stuck sensor is a sensor fault, not a machine failure', () => {
    const rand = prng(9);
    const { dispatches, health } = run((i) => ({ vibration: i < 100 ? 1.6 + 0.05 * gaussian(rand) : 1.234 }), 300);
    expect(health.at(-1)!.state).toBe('sensor_fault');
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
  });

  it('a metric without domain thresholds that jumps beyond anything it has shown is explained as such', () => {
    const rand = prng(9);
    // Uniform 0–100 (σ ≈ 29), then 112: ordinary for a z-score, new for this device.
    const { health, dispatches } = run((i) => ({ pressure: i === 3000 ? 112 : 100 * rand() }), 3010);
    const jump = health[3000];
    expect(jump.metric).toBe('pressure');
    expect(jump.rule).toBe('anomaly-likelihood');
    expect(jump.explanation).toMatch(
      /^pressure 112\.00 is outside anything this device has shown before \(0\.\d\d to 99\.\d\d\)$/,
    );
    expect(health.slice(200, 3000).filter((h) => /outside anything/.test(h.explanation))).toEqual([]);
    // Unusual is not yet broken: no visit for one value.
    expect(dispatches).toEqual([]);
  });
});

describe('sampling rate', () => {
  it('the same slow bearing wear is dispatched days ahead whether sampled every 10 s, minute or 5 minutes', () => {
    // Healthy for a day, then wear accelerating to the zone C/D boundary at day 6 (t = 144 h).
    const failureH = 144;
    const wear = (tMs: number) => {
      const progress = Math.max(0, (tMs - 24 * 3600_000) / ((failureH - 24) * 3600_000));
      return 1.6 + (7.2 - 1.6) * progress ** 2.5;
    };
    const leadH: number[] = [];
    for (const stepMs of [10_000, 60_000, 300_000]) {
      const rand = prng(1);
      const n = (failureH * 3600_000) / stepMs;
      const { dispatches, t0 } = run(
        (i) => ({ vibration: wear(i * stepMs) + 0.05 * gaussian(rand), temperature: 58 + 0.3 * gaussian(rand) }),
        n,
        'pump-p200',
        stepMs,
      );
      expect(
        dispatches.map((d) => d.mode),
        `every ${stepMs / 1000} s`,
      ).toEqual(['bearing_wear']);
      leadH.push(failureH - (dispatches[0].tsMs - t0) / 3600_000);
    }
    // At least the 48 h parts-and-travel lead time at every rate, and within a few hours of each
    // other. (With per-sample learning rates the long-term baseline learnt the wear as normal
    // 30 times sooner at 10 s: that device was dispatched 1 h before its failure.)
    for (const h of leadH) expect(h).toBeGreaterThan(48);
    expect(Math.max(...leadH) - Math.min(...leadH)).toBeLessThan(6);
  });
});

describe('a machine that stops and starts', () => {
  // A pump that runs 2 h and stops 1 h, sampled every 5 minutes: stopped, it shows only what the
  // floor transmits (0.08 mm/s) and cools towards 30 °C.
  const cycling = (wear: boolean) => {
    const rand = prng(1);
    let temperature = 58;
    const stepMs = 300_000;
    return run(
      (i) => {
        const t = i * stepMs;
        const running = t % (3 * 3600_000) < 2 * 3600_000;
        temperature += ((running ? 58 : 30) - temperature) * (1 - Math.exp(-stepMs / 1800_000));
        const progress = wear ? Math.max(0, (t - 24 * 3600_000) / (120 * 3600_000)) : 0;
        const vibration = running
          ? 1.6 + (7.2 - 1.6) * progress ** 2.5 + 0.05 * gaussian(rand)
          : 0.08 + 0.01 * Math.abs(gaussian(rand));
        return { vibration, temperature: temperature + 0.3 * gaussian(rand) };
      },
      (144 * 3600_000) / stepMs,
      'pump-p200',
      stepMs,
    );
  };

  it('healthy, its stops open nothing', () => {
    const { dispatches, health } = cycling(false);
    expect(dispatches).toEqual([]);
    expect(health.slice(100).filter((h) => h.state !== 'healthy')).toEqual([]);
    // The stops were seen as stops.
    expect(health.some((h) => h.evidence.stoppedSamples > 0)).toBe(true);
  });

  it('one that is stopped when first seen learns its running normal, not standing still', () => {
    // Starts in an 8 h stop, then runs 16 h shifts; its temperature cools when stopped and climbs
    // back over 20 minutes when it starts.
    const rand = prng(4);
    let temperature = 30;
    const stepMs = 60_000;
    const { dispatches, health } = run(
      (i) => {
        const t = i * stepMs;
        const running = t % (24 * 3600_000) >= 8 * 3600_000;
        temperature += ((running ? 58 : 30) - temperature) * (1 - Math.exp(-stepMs / 1200_000));
        const vibration = running ? 1.6 + 0.05 * gaussian(rand) : 0.08 + 0.01 * Math.abs(gaussian(rand));
        return { vibration, temperature: temperature + 0.3 * gaussian(rand) };
      },
      (4 * 86_400_000) / stepMs,
      'pump-p200',
      stepMs,
    );
    expect(dispatches).toEqual([]);
    const judged = health.filter((h) => h.state !== 'warming_up');
    expect(judged.length).toBeGreaterThan(3 * 1440);
    expect(judged.filter((h) => h.state !== 'healthy')).toEqual([]);
  });

  it('one smoother than its model says is not taken for stopped for ever', () => {
    // A pump-p200 (nominal 1.6 mm/s) that runs at 0.3 mm/s: under a quarter of the nominal. After
    // two days of "stopped" the nominal is dropped and it learns what it shows.
    const rand = prng(6);
    const stepMs = 300_000;
    const { health } = run(
      () => ({ vibration: 0.3 + 0.02 * gaussian(rand), temperature: 58 + 0.3 * gaussian(rand) }),
      (4 * 86_400_000) / stepMs,
      'pump-p200',
      stepMs,
    );
    const firstJudged = health.findIndex((h) => h.state !== 'warming_up');
    expect(firstJudged).toBeGreaterThan(0);
    expect(health[firstJudged].tsMs - health[0].tsMs).toBeLessThan(2.2 * 86_400_000);
    expect(health.at(-1)!.state).toBe('healthy');
  });

  it('a vibration sensor that goes quiet while the machine stays warm is a sensor fault, not a stop', () => {
    // Runs continuously; after a day the vibration sensor reads only noise around 0.04 mm/s.
    const rand = prng(8);
    const stepMs = 300_000;
    const deadFrom = 288;
    const { dispatches, health, t0 } = run(
      (i) => ({
        vibration: i < deadFrom ? 1.6 + 0.05 * gaussian(rand) : 0.04 + 0.01 * Math.abs(gaussian(rand)),
        temperature: 58 + 0.3 * gaussian(rand),
      }),
      deadFrom + 60,
      'pump-p200',
      stepMs,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
    const found = health.find((h) => h.rule === 'silent-vibration-sensor')!;
    expect(found.state).toBe('sensor_fault');
    // Two hours of a warm "stopped" machine, not before.
    const afterH = (found.tsMs - (t0 + deadFrom * stepMs)) / 3600_000;
    expect(afterH).toBeGreaterThanOrEqual(2);
    expect(afterH).toBeLessThan(2.5);
  });

  it('its bearing wear is dispatched as far ahead as a machine that never stops', () => {
    const { dispatches, t0 } = cycling(true);
    expect(dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
    // Failure at 144 h; a pump running throughout gets 59.6 h (the sampling-rate test's figure).
    // Readings of a stopped machine in the trend windows made it 28.8 h.
    expect(144 - (dispatches[0].tsMs - t0) / 3600_000).toBeGreaterThan(48);
  });
});

describe('state across a restart', () => {
  it('restored state continues without a new warm-up and keeps its open dispatches', () => {
    const rand = prng(21);
    const make = () => {
      const bus = new EventBus();
      const analytics = new Analytics({
        bus,
        log: createLogger('silent'),
        deviceModelOf: () => deviceModel('pump-p200'),
      });
      const health: HealthReport[] = [];
      const dispatches: DispatchRequest[] = [];
      bus.on('health', (h) => health.push(h));
      bus.on('dispatch', (d) => dispatches.push(d));
      analytics.start();
      return { bus, analytics, health, dispatches };
    };
    const t0 = 1_700_000_000_000;
    const sample = (i: number) => ({
      deviceId: 'dev-1',
      tsMs: t0 + i * 1000,
      values: { vibration: 1.6 + 0.05 * gaussian(rand), temperature: 58 + 0.3 * gaussian(rand) },
    });
    const before = make();
    for (let i = 0; i < 400; i++) before.bus.emit('telemetry', [sample(i)]);
    const snapshot = JSON.parse(JSON.stringify(before.analytics.snapshot()));

    const after = make();
    after.analytics.restore(snapshot);
    after.bus.emit('telemetry', [sample(400)]);
    expect(after.health[0].state).not.toBe('warming_up');
    expect(after.health[0].evidence.baselineMean).toBeCloseTo(before.health.at(-1)!.evidence.baselineMean, 1);

    // A fresh instance, by contrast, is warming up.
    const fresh = make();
    fresh.bus.emit('telemetry', [sample(401)]);
    expect(fresh.health[0].state).toBe('warming_up');

    // A step right after the restart is judged against the restored baseline.
    for (let i = 401; i < 420; i++)
      after.bus.emit('telemetry', [{ ...sample(i), values: { vibration: 4.0, temperature: 58 } }]);
    expect(after.dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
  });
});

describe('dispatch hysteresis', () => {
  it('a sensor that spikes now and then asks for one visit over days, and is not called off between spikes', () => {
    const rand = prng(21);
    // Three days of 5-minute samples; from day one, 2 % of vibration readings are impossible (80 mm/s).
    const n = 3 * 288;
    const { dispatches, cancels } = run(
      (i) => ({
        vibration: i > 288 && rand() < 0.02 ? 80 : 1.6 + 0.05 * gaussian(rand),
        temperature: 58 + 0.3 * gaussian(rand),
      }),
      n,
      'pump-p200',
      300_000,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['sensor_fault']);
    expect(cancels).toEqual([]);
  });

  it('a machine anomaly that goes away is called off after a quiet day, not after a quiet hour', () => {
    const rand = prng(22);
    // Five-minute samples: an hour in ISO zone D (sample 300–311), then normal again for two days.
    const { dispatches, cancels, t0 } = run(
      (i) => ({ vibration: (i >= 300 && i < 312 ? 8 : 1.6) + 0.05 * gaussian(rand) }),
      312 + 2 * 288,
      'pump-p200',
      300_000,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
    expect(cancels.map((c) => c.mode)).toEqual(['bearing_wear']);
    const quietMs = cancels[0].tsMs - (t0 + 311 * 300_000);
    expect(quietMs).toBeGreaterThanOrEqual(24 * 3600_000 - 300_000);
    expect(quietMs).toBeLessThan(26 * 3600_000);
    expect(cancels[0].reason).toMatch(/recovered/);
  });

  it('a flapping signal produces one work order request, not many', () => {
    const rand = prng(77);
    // Healthy for 300 s, then flapping every 20 s between normal and ISO zone C for 20 minutes.
    const { dispatches } = run(
      (i) => ({ vibration: (i > 300 && Math.floor(i / 20) % 2 === 0 ? 4.2 : 1.6) + 0.05 * gaussian(rand) }),
      1500,
    );
    expect(dispatches.map((d) => d.mode)).toEqual(['bearing_wear']);
  });
});

describe('both directions for a metric nothing is known of', () => {
  it('a unit-free pressure that falls and stays low is elevated below its normal a day later, as a rise would be above it', () => {
    for (const sign of [-1, 1]) {
      const rand = prng(11);
      // Five-minute readings: three days at 4 bar ± 0.05, then 20 σ away for a day.
      const day = 288;
      const { health } = run(
        (i) => ({ pressure: 4 + (i >= 3 * day ? sign * 1 : 0) + 0.05 * gaussian(rand) }),
        4 * day,
        'pump-p200',
        300_000,
      );
      const last = health.at(-1)!;
      expect(last.state).not.toBe('healthy');
      expect(health.slice(-day / 2).every((h) => h.rule === 'elevated' || h.rule === 'anomaly-likelihood')).toBe(true);
      const elevated = health.filter((h) => h.rule === 'elevated').at(-1);
      expect(elevated?.explanation).toMatch(sign < 0 ? /below this device's normal/ : /above this device's normal/);
    }
  });
});
