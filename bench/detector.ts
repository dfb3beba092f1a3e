// npm run bench:detector [-- --json FILE]
// Samples per second through the full analytics path (detector update, domain thresholds,
// health score, dispatch decision, bus events) on one core, and bytes of state per device × metric.
import { Analytics } from '../analytics/index.ts';
import { deviceModel } from '../core/device-models.ts';
import { EventBus } from '../core/event-bus.ts';
import { createLogger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { planFleet } from '../device-sim/plan.ts';
import { DeviceSeries } from '../device-sim/series.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({ devices: { type: 'string', default: '1000' }, samples: { type: 'string', default: '300' } });
const DEVICES = Number(args.devices);
const PER_DEVICE = Number(args.samples);
const START = Date.parse('2026-01-01T00:00:00Z');

// Realistic input: the simulator's series, one reading (temperature + vibration) per device per
// minute, interleaved across devices as a broker delivers them.
const specs = planFleet({ devices: DEVICES, seed: 1, startMs: START, durationMs: PER_DEVICE * 60_000, faults: { machine: 0.05, sensor: 0.02, connectivity: 0 } });
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

function newAnalytics() {
  const bus = new EventBus();
  let events = 0;
  bus.on('health', () => events++);
  const models = new Map(specs.map((s) => [s.deviceId, deviceModel(s.modelId)]));
  const analytics = new Analytics({ bus, log: createLogger('silent'), deviceModelOf: (id) => models.get(id) ?? deviceModel(null) });
  analytics.start();
  return { bus, analytics, events: () => events };
}

// Warm-up run (JIT), then the measured runs; one process, one core (the bus is synchronous).
let best = 0;
let samples = 0;
for (let run = 0; run < 4; run++) {
  const { bus } = newAnalytics();
  samples = 0;
  const t0 = performance.now();
  for (const batch of batches) {
    // One telemetry event per message, as ingest emits them.
    for (const r of batch) {
      bus.emit('telemetry', [r]);
      samples += 2;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const rate = samples / secs;
  if (run > 0) best = Math.max(best, rate);
  progress(`run ${run}: ${Math.round(rate).toLocaleString()} samples/s${run === 0 ? ' (warm-up)' : ''}`);
}
progressDone();

// State size: heap growth for N devices × 2 metrics after a full warm-up.
const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error('run with node --expose-gc');
// Several full collections: one can leave garbage that a finaliser or a weak map frees only later.
const gc = (): void => {
  for (let i = 0; i < 4; i++) exposedGc();
};
const STATE_DEVICES = 20_000;
gc();
const before = process.memoryUsage().heapUsed;
const { bus: stateBus, analytics: stateAnalytics } = newAnalytics();
for (let k = 0; k < 40; k++) {
  const readings: Reading[] = [];
  for (let i = 0; i < STATE_DEVICES; i++) readings.push({ deviceId: `dev-${i}`, tsMs: START + k * 60_000, values: { temperature: 50 + (i % 7) + k * 0.01, vibration: 1.5 + (i % 5) * 0.1 } });
  stateBus.emit('telemetry', readings);
}
gc();
const after = process.memoryUsage().heapUsed;
const bytesPerDeviceMetric = Math.round((after - before) / (STATE_DEVICES * 2));

// Metrics without domain thresholds go through the unit-free scorer as well (daily and weekly
// profiles): measured the same way, on two metrics per device (`current` with a daily cycle, `pressure`), 5-minute samples.
const SCORER_DEVICES = 5_000;
const SCORER_SAMPLES = 400;
gc();
const scorerBefore = process.memoryUsage().heapUsed;
const { bus: scorerBus, analytics: scorerAnalytics } = newAnalytics();
const t1 = performance.now();
for (let k = 0; k < SCORER_SAMPLES; k++) {
  const ts = START + k * 300_000;
  const readings: Reading[] = [];
  for (let i = 0; i < SCORER_DEVICES; i++) readings.push({ deviceId: `cur-${i}`, tsMs: ts, values: { current: 10 + 3 * Math.sin((2 * Math.PI * ts) / 86_400_000) + ((i * 7 + k * 13) % 10) / 10, pressure: 4 + ((i + k * 3) % 7) / 10 } });
  scorerBus.emit('telemetry', readings);
}
const scorerSecs = (performance.now() - t1) / 1000;
gc();
const scorerBytesPerMetric = Math.round((process.memoryUsage().heapUsed - scorerBefore) / (SCORER_DEVICES * 2));
const scorerSamplesPerSec = Math.round((SCORER_DEVICES * SCORER_SAMPLES * 2) / scorerSecs);
// Both analytics instances stay referenced until both heaps are measured.
void stateAnalytics.allHealth().length;
void scorerAnalytics.allHealth().length;

const figures = { samplesPerSec: Math.round(best), bytesPerDeviceMetric, scorerSamplesPerSec, scorerBytesPerMetric, devices: DEVICES, samplesMeasured: samples, targetSamplesPerSec: 1_000_000, targetBytesPerDeviceMetric: 4096 };
console.log(`analytics path: ${figures.samplesPerSec.toLocaleString()} samples/s on one core (target ≥ 1,000,000: ${(figures.samplesPerSec / 1e6).toFixed(2)} ×)`);
console.log(`state: ${bytesPerDeviceMetric} bytes per device × metric (target ≤ 4096: ${(bytesPerDeviceMetric / 4096).toFixed(2)} ×); 100k devices × 2 metrics ≈ ${((bytesPerDeviceMetric * 200_000) / 2 ** 20).toFixed(0)} MiB`);
console.log(`metrics without thresholds (unit-free scorer with daily + weekly profiles, one pass incl. warm-up): ${scorerSamplesPerSec.toLocaleString()} samples/s, ${scorerBytesPerMetric} bytes per device × metric`);
writeJson(args.json, figures);
