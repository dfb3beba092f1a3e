// npm run sim -- --devices N --rate HZ --broker mqtt://host:port [--seed S] [--speed X] [--qos 0|1] [--duration S] [--demo]
import { parseArgs } from 'node:util';
import { startFleet } from './fleet.ts';

const HELP = `Purna fleet simulator: each device its own MQTT client publishing temperature (°C) and vibration (mm/s).

  --devices N        devices to simulate (default 20)
  --rate HZ          readings per second per device (default 1)
  --broker URL       MQTT broker (default mqtt://localhost:1883)
  --seed S           same seed, same devices, same series (default 42)
  --speed X          simulated seconds per wall second (default 1)
  --qos 0|1          MQTT QoS of telemetry (default 1)
  --duration S       stop after S wall-clock seconds and exit 0
  --demo             inject the two demo failures (bearing wear, cooling failure)
  --username U / --password P   MQTT credentials for every device
  --quiet            no progress line
  --help`;

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1' },
    broker: { type: 'string', default: 'mqtt://localhost:1883' },
    seed: { type: 'string', default: '42' },
    speed: { type: 'string', default: '1' },
    qos: { type: 'string', default: '1' },
    duration: { type: 'string' },
    demo: { type: 'boolean', default: false },
    username: { type: 'string' },
    password: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`device-sim: --${name} must be a number from ${min} to ${max}, got '${v}'\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};
const devices = num('devices', values.devices, 1, 100_000);
const rateHz = num('rate', values.rate, 0.001, 1000);
const durationS = values.duration === undefined ? undefined : num('duration', values.duration, 1, 7 * 86400);
const fleet = await startFleet({
  brokerUrl: values.broker,
  devices,
  rateHz,
  seed: num('seed', values.seed, 0, 2 ** 31),
  speed: num('speed', values.speed, 0.001, 1e7),
  qos: num('qos', values.qos, 0, 1) as 0 | 1,
  demo: values.demo,
  durationS,
  credentials: values.username ? () => ({ username: values.username!, password: values.password ?? '' }) : undefined,
});

const started = Date.now();
let lastPublished = 0;
const progress = setInterval(() => {
  const s = fleet.stats();
  if (!values.quiet) {
    process.stderr.write(`devices connected ${s.connected}/${devices}  msgs/s ${((s.published - lastPublished) / 2).toFixed(0)}  published ${s.published}  simulated time ${new Date(s.simulatedTimeMs).toISOString()}\n`);
  }
  lastPublished = s.published;
}, 2000);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  clearInterval(progress);
  await fleet.stop();
  const s = fleet.stats();
  console.log(`device-sim: ${devices} devices, ${s.published} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
if (durationS !== undefined) setTimeout(() => void stop(0), durationS * 1000);
