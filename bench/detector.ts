// npm run bench:detector [-- --json FILE]
// Samples per second through the full analytics path (detector update, domain thresholds,
// health score, dispatch decision, bus events) on one core, and bytes of state per device × metric;
// the same for metrics without domain thresholds (the unit-free scorer with its profiles), and
// for devices of eight metrics with the joint model (device-samples/s: whole readings).
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { Analytics } from '../analytics/index.ts';
import { JointModel } from '../analytics/joint-model.ts';
import { deviceModel } from '../core/device-models.ts';
import { EventBus } from '../core/event-bus.ts';
import { createLogger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { planFleet } from '../device-sim/plan.ts';
import { PUMP_RIG_METRICS, PumpRig, planPumpRig } from '../device-sim/pump-rig.ts';
import { DeviceSeries } from '../device-sim/series.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({ devices: { type: 'string', default: '1000' }, samples: { type: 'string', default: '300' } });
const DEVICES = Number(args.devices);
const PER_DEVICE = Number(args.samples);
const START = Date.parse('2026-01-01T00:00:00Z');

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error('run with node --expose-gc');
// Several full collections: one can leave garbage that a finaliser or a weak map frees only later.
const gc = (): void => {
  for (let i = 0; i < 4; i++) exposedGc();
};

const specs = planFleet({
  devices: DEVICES,
  seed: 1,
  startMs: START,
  durationMs: PER_DEVICE * 60_000,
  faults: { machine: 0.05, sensor: 0.02, connectivity: 0 },
});
const models = new Map(specs.map((s) => [s.deviceId, deviceModel(s.modelId)]));

function newAnalytics() {
  const bus = new EventBus();
  let events = 0;
  bus.on('health', () => events++);
  const analytics = new Analytics({
    bus,
    log: createLogger('silent'),
    deviceModelOf: (id) => models.get(id) ?? deviceModel(null),
  });
  analytics.start();
  return { bus, analytics, events: () => events };
}

/** Heap growth per device × metric of one Analytics fed `samples` readings of `metrics` for `devices` devices. */
function stateBytes(
  devices: number,
  samples: number,
  stepMs: number,
  values: (i: number, k: number, ts: number) => Record<string, number>,
): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const { bus, analytics } = newAnalytics();
  let metrics = 0;
  for (let k = 0; k < samples; k++) {
    const ts = START + k * stepMs;
    const readings: Reading[] = [];
    for (let i = 0; i < devices; i++) readings.push({ deviceId: `dev-${i}`, tsMs: ts, values: values(i, k, ts) });
    metrics = Object.keys(readings[0].values).length;
    bus.emit('telemetry', readings);
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / (devices * metrics);
  analytics.stop();
  return Math.round(bytes);
}

/** Samples/s of one core over `batches`, best of three after a warm-up run (one event per message, as ingest emits them). */
function speed(batches: Reading[][], label: string): number {
  let samples = 0;
  for (const batch of batches) for (const r of batch) for (const _ in r.values) samples++;
  let best = 0;
  for (let run = 0; run < 4; run++) {
    const { bus, analytics } = newAnalytics();
    const t0 = performance.now();
    for (const batch of batches) for (const r of batch) bus.emit('telemetry', [r]);
    const rate = samples / ((performance.now() - t0) / 1000);
    analytics.stop();
    if (run > 0) best = Math.max(best, rate);
    progress(`${label} run ${run}: ${Math.round(rate).toLocaleString()} samples/s${run === 0 ? ' (warm-up)' : ''}`);
  }
  progressDone();
  return Math.round(best);
}

// Realistic input: the simulator's series, one reading (temperature + vibration) per device per
// minute, interleaved across devices as a broker delivers them; generated before any clock starts.
const series = specs.map((s) => new DeviceSeries(s, 1));
const batches: Reading[][] = [];
for (let k = 0; k < PER_DEVICE; k++) {
  const ts = START + k * 60_000;
  const batch: Reading[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const values = series[i].sample(ts);
    if (values) batch.push({ deviceId: specs[i].deviceId, tsMs: ts, values });
  }
  batches.push(batch);
  if (k % 50 === 0) progress(`generating input: ${k}/${PER_DEVICE}`);
}
progressDone();
const samplesPerSec = speed(batches, 'temperature + vibration');

// State size: the speed runs' analytics are stopped and collected first.
const bytesPerDeviceMetric = stateBytes(20_000, 40, 60_000, (i, k) => ({
  temperature: 50 + (i % 7) + k * 0.01,
  vibration: 1.5 + (i % 5) * 0.1,
}));
// Metrics without thresholds: `current` with a daily cycle and `pressure`, 5-minute samples, long
// enough for both profiles to be allocated.
const unitFree = (i: number, k: number, ts: number) => ({
  current: 10 + 3 * Math.sin((2 * Math.PI * ts) / 86_400_000) + ((i * 7 + k * 13) % 10) / 10,
  pressure: 4 + ((i + k * 3) % 7) / 10,
});
const scorerBytesPerMetric = stateBytes(2_500, 100, 300_000, unitFree);

const unitFreeBatches: Reading[][] = [];
for (let k = 0; k < 400; k++) {
  const ts = START + k * 300_000;
  unitFreeBatches.push(
    Array.from({ length: 2_500 }, (_, i) => ({ deviceId: `cur-${i}`, tsMs: ts, values: unitFree(i, k, ts) })),
  );
}
const scorerSamplesPerSec = speed(unitFreeBatches, 'metrics without thresholds');
// The first figure again, now that the same code has also run metrics without thresholds: its
// paths are no longer specialised for one kind of metric (a mixed fleet's steady state).
const mixedSamplesPerSec = speed(batches, 'temperature + vibration, after other metrics');

// Devices with eight metrics (the simulator's pump rig at 1 Hz: every metric unit-free, the joint
// model on top), past the joint model's learning (6,000 readings each, not timed); then three
// timed passes over the next readings, one event per reading. Device-samples: readings of a
// whole device (eight metric samples each). State: what one more device adds, measured on a
// second group of as many devices fed the same way after the first: the first group's heap growth
// also holds what the process pays once (the joint model's and the rules' compiled code, their
// feedback, caches such as the explanation texts): 22.3 KB per device of 40, 13.2 KB of 80, about
// 530 KB in all. Typed arrays over a few dozen bytes live outside the JS heap (their backing
// stores): counted too.
function multivariate(devices: number, warmup: number, timed: number) {
  const rigOf = (i: number) =>
    new PumpRig(planPumpRig({ seed: i + 1, startMs: START, trainingMs: 6 * 3600_000, repeats: 1 }));
  const rigs = Array.from({ length: devices }, (_, i) => rigOf(i));
  const others = Array.from({ length: devices }, (_, i) => rigOf(devices + i));
  const { bus, analytics } = newAnalytics();
  const learn = (group: PumpRig[], prefix: string) => {
    for (let k = 0; k < warmup; k++) {
      for (let i = 0; i < group.length; i++) {
        const s = group[i].next()!;
        bus.emit('telemetry', [{ deviceId: `${prefix}-${i}`, tsMs: s.tsMs, values: s.values }]);
      }
      if (k % 500 === 0) progress(`8-metric devices (${prefix}): learning ${k}/${warmup}`);
    }
  };
  gc();
  const first = process.memoryUsage();
  learn(rigs, 'rig');
  gc();
  const between = process.memoryUsage();
  learn(others, 'more');
  gc();
  const after = process.memoryUsage();
  const heapPerDevice = Math.round((after.heapUsed - between.heapUsed) / devices);
  const buffersPerDevice = Math.round((after.arrayBuffers - between.arrayBuffers) / devices);
  const bytesPerDevice = heapPerDevice + buffersPerDevice;
  const firstGroupBytesPerDevice = Math.round(
    (between.heapUsed - first.heapUsed + between.arrayBuffers - first.arrayBuffers) / devices,
  );
  const passes: Reading[][] = [];
  for (let pass = 0; pass < 3; pass++) {
    const readings: Reading[] = [];
    for (let k = 0; k < timed; k++)
      for (let i = 0; i < devices; i++) {
        const s = rigs[i].next()!;
        readings.push({ deviceId: `rig-${i}`, tsMs: s.tsMs, values: s.values });
      }
    passes.push(readings);
  }
  let best = 0;
  for (const readings of passes) {
    const t0 = performance.now();
    for (const r of readings) bus.emit('telemetry', [r]);
    const rate = readings.length / ((performance.now() - t0) / 1000);
    best = Math.max(best, rate);
    progress(`8-metric devices: ${Math.round(rate).toLocaleString()} device-samples/s`);
  }
  progressDone();
  analytics.stop();
  const jointBytes = new JointModel([...PUMP_RIG_METRICS]).stateBytes;
  return {
    deviceSamplesPerSec: Math.round(best),
    bytesPerDevice,
    heapPerDevice,
    buffersPerDevice,
    firstGroupBytesPerDevice,
    jointBytes,
  };
}
const rig = multivariate(40, 6000, 1500);

// The road not taken (docs/architecture.md): a robust baseline as a median/MAD over a 100-sample
// window with simple-statistics, which works on whole arrays: the statistics alone, per sample,
// without anything else of the analytics path. Bounded: 100,000 samples.
function windowedMedianMad(samples: number, window: number): number {
  const win: number[] = [];
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < samples; i++) {
    win.push(1.6 + ((i * 7919) % 100) / 1000);
    if (win.length > window) win.shift();
    if (win.length >= 10) sink += (win[win.length - 1] - median(win)) / (medianAbsoluteDeviation(win) || 1);
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loop from being optimised away');
  return Math.round(samples / ((performance.now() - t0) / 1000));
}
const windowedMedianMadSamplesPerSec = windowedMedianMad(100_000, 100);

const figures = {
  samplesPerSec,
  mixedSamplesPerSec,
  bytesPerDeviceMetric,
  scorerSamplesPerSec,
  scorerBytesPerMetric,
  windowedMedianMadSamplesPerSec,
  multivariateDeviceSamplesPerSec: rig.deviceSamplesPerSec,
  multivariateBytesPerDevice: rig.bytesPerDevice,
  multivariateHeapBytesPerDevice: rig.heapPerDevice,
  multivariateTypedArrayBytesPerDevice: rig.buffersPerDevice,
  multivariateFirstGroupBytesPerDevice: rig.firstGroupBytesPerDevice,
  targetMultivariateBytesPerDevice: 16_384,
  jointModelBytes: rig.jointBytes,
  devices: DEVICES,
  targetSamplesPerSec: 1_000_000,
  targetBytesPerDeviceMetric: 4096,
};
console.log(
  `analytics path: ${samplesPerSec.toLocaleString()} samples/s on one core (target ≥ 1,000,000: ${(samplesPerSec / 1e6).toFixed(2)} ×)`,
);
console.log(
  `  the same after the process has also run metrics without thresholds (mixed fleet): ${mixedSamplesPerSec.toLocaleString()} samples/s (${(mixedSamplesPerSec / 1e6).toFixed(2)} ×)`,
);
console.log(
  `state: ${bytesPerDeviceMetric} bytes per device × metric (target ≤ 4096: ${(bytesPerDeviceMetric / 4096).toFixed(2)} ×); 100k devices × 2 metrics ≈ ${((bytesPerDeviceMetric * 200_000) / 2 ** 20).toFixed(0)} MiB`,
);
console.log(
  `metrics without thresholds (unit-free scorer, daily + weekly profiles): ${scorerSamplesPerSec.toLocaleString()} samples/s, ${scorerBytesPerMetric} bytes per device × metric`,
);
console.log(
  `for comparison, a simple-statistics median/MAD over a 100-sample window, the statistics alone: ${windowedMedianMadSamplesPerSec.toLocaleString()} samples/s (the full path above is ${(samplesPerSec / windowedMedianMadSamplesPerSec).toFixed(1)} × that)`,
);
console.log(
  `8-metric devices with the joint model (pump rig, 1 Hz, past its learning): ${rig.deviceSamplesPerSec.toLocaleString()} device-samples/s (${(rig.deviceSamplesPerSec * 8).toLocaleString()} metric samples/s; target ≥ 250,000 device-samples/s: ${(rig.deviceSamplesPerSec / 250_000).toFixed(2)} ×); the joint model's state ${rig.jointBytes.toLocaleString()} bytes (target ≤ 16,384); the whole device ${rig.bytesPerDevice.toLocaleString()} bytes (target ≤ 16,384: ${(rig.bytesPerDevice / 16_384).toFixed(2)} ×; heap ${rig.heapPerDevice.toLocaleString()}: eight metrics' own detectors and the last health report, typed arrays ${rig.buffersPerDevice.toLocaleString()}), what one more device adds; the first 40 devices' growth with what the process pays once: ${rig.firstGroupBytesPerDevice.toLocaleString()} bytes each`,
);
writeJson(args.json, figures);
