// npm run sim -- --devices N --rate HZ --broker mqtt://host:port   (see --help)
import { parseArgs } from 'node:util';
import { DEVICE_ID_PATTERN } from '../core/topics.ts';
import { startFleet } from './fleet.ts';
import { planFleet } from './plan.ts';

const HELP = `Purna fleet simulator: each device its own MQTT client (MQTT 3.1.1) publishing
temperature (°C) and vibration velocity RMS (mm/s) to purna/v1/devices/{id}/telemetry.

  --devices N            devices to simulate (default 20)
  --id-prefix P          put P before every device id (default sim-: sim-pump-0001, …), so a run never
                         takes over the ids of another fleet, such as npm start's own pump-0001, …
  --rate HZ              messages per second per device (default 1)
  --broker URL           MQTT broker: Purna's, mosquitto, … (default mqtt://localhost:1883)
  --seed S               same seed, same devices, same series (default 42)
  --speed X              simulated seconds per wall second (default 1; 3600 = an hour a second)
  --qos 0|1              QoS of telemetry (default 1)
  --duration S           stop after S wall-clock seconds and exit 0 (1 if no device ever connected)
  --connect-timeout S    exit 1 with the broker's reason if no device has connected after S seconds
                         (default 30); every device refused as not authorised ends the run at once
  --demo                 the two demo failures (bearing wear, cooling failure) within ~2 minutes
  --faults M,S,C         seed machine, sensor and connectivity faults as shares of the fleet (e.g. 0.1,0.05,0.05)
  --cycling SHARE        put this share of the fleet on an on/off duty (default 0: continuous)
  --ground-truth FILE    write the injected faults (device, mode, onset, failure time) as .json or .csv
  --username U --password P   the same MQTT credentials for every device
  --provision-url URL    provision the fleet through Purna's API at URL (POST URL/api/devices/provision,
                         see device-sim/README.md); each device gets its own MQTT token.
                         Authenticates with --provision-token, else a planner login from the
                         environment (PURNA_EMAIL, PURNA_PASSWORD). --provision URL is the same.
  --provision-token T    a planner's session token (the purna_session cookie of POST /api/auth/login),
                         sent as Authorization: Bearer T
  --quiet                no progress line
  --help`;

function fail(message: string): never {
  console.error(`device-sim: ${message}\n\n${HELP}`);
  process.exit(2);
}

const OPTIONS = {
  devices: { type: 'string', default: '20' },
  'id-prefix': { type: 'string', default: 'sim-' },
  'connect-timeout': { type: 'string', default: '30' },
  rate: { type: 'string', default: '1' },
  broker: { type: 'string', default: 'mqtt://localhost:1883' },
  seed: { type: 'string', default: '42' },
  speed: { type: 'string', default: '1' },
  qos: { type: 'string', default: '1' },
  duration: { type: 'string' },
  demo: { type: 'boolean', default: false },
  faults: { type: 'string' },
  cycling: { type: 'string', default: '0' },
  'ground-truth': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  provision: { type: 'string' },
  'provision-url': { type: 'string' },
  'provision-token': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;
function parse() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    fail((err as Error).message);
  }
}
const values = parse();
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number from ${min} to ${max}, got '${v}'`);
  return n;
};
const devices = num('devices', values.devices, 1, 100_000);
const rateHz = num('rate', values.rate, 0.001, 1000);
const seed = num('seed', values.seed, 0, 2 ** 31);
const durationS = values.duration === undefined ? undefined : num('duration', values.duration, 1, 30 * 86400);
const connectTimeoutS = num('connect-timeout', values['connect-timeout'], 1, 86400);
const idPrefix = values['id-prefix'];
// The longest id this run makes (compressor is the longest kind) must still be a device id.
const longestId = `${idPrefix}compressor-${String(devices).padStart(4, '0')}`;
if (!DEVICE_ID_PATTERN.test(longestId))
  fail(
    `--id-prefix '${idPrefix}' makes ids like '${longestId}', which are not device ids (${DEVICE_ID_PATTERN.source})`,
  );
let faults;
if (values.faults) {
  const parts = values.faults.split(',').map((x) => num('faults', x, 0, 1));
  if (parts.length !== 3 || parts[0] + parts[1] + parts[2] > 1)
    fail('--faults takes three shares machine,sensor,connectivity adding up to at most 1');
  faults = { machine: parts[0], sensor: parts[1], connectivity: parts[2] };
}

let credentials: ((id: string) => { username: string; password: string }) | undefined;
if (values.username) credentials = () => ({ username: values.username!, password: values.password ?? '' });
const provisionUrl = values['provision-url'] ?? values.provision;
if (values['provision-token'] && !provisionUrl) fail('--provision-token needs --provision-url');
if (provisionUrl)
  credentials = await provision(provisionUrl, values['provision-token']).catch((err: Error) =>
    fail(`provisioning at ${provisionUrl} failed: ${err.message}`),
  );

async function provision(
  baseUrl: string,
  token: string | undefined,
): Promise<(id: string) => { username: string; password: string }> {
  const base = baseUrl.replace(/\/+$/, '');
  // The session token goes in Authorization (a tool's header, not a browser's cookie).
  let session: string;
  if (token) session = token;
  else {
    const email = process.env.PURNA_EMAIL;
    const password = process.env.PURNA_PASSWORD;
    if (!email || !password)
      fail(
        '--provision-url needs --provision-token, or PURNA_EMAIL and PURNA_PASSWORD (a planner login) in the environment',
      );
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!login.ok) fail(`login at ${base} failed: HTTP ${login.status} ${await login.text()}`);
    session = (login.headers.get('set-cookie') ?? '').split(';')[0].replace(/^[^=]*=/, '');
  }
  const plan = planFleet({ devices, seed, idPrefix });
  const tokens = new Map<string, string>();
  for (let i = 0; i < plan.length; i += 1000) {
    const res = await fetch(`${base}/api/devices/provision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
      body: JSON.stringify({ devices: plan.slice(i, i + 1000).map((d) => ({ id: d.deviceId, modelId: d.modelId })) }),
    });
    if (res.status !== 201) fail(`provisioning failed: HTTP ${res.status} ${await res.text()}`);
    for (const d of ((await res.json()) as { devices: { id: string; token: string }[] }).devices)
      tokens.set(d.id, d.token);
  }
  if (!values.quiet) process.stderr.write(`provisioned ${tokens.size} devices at ${base}\n`);
  return (id) => ({ username: id, password: tokens.get(id) ?? '' });
}

const fleet = await startFleet({
  brokerUrl: values.broker,
  devices,
  rateHz,
  seed,
  speed: num('speed', values.speed, 0.001, 1e7),
  qos: num('qos', values.qos, 0, 1) as 0 | 1,
  demo: values.demo,
  faults,
  cycling: num('cycling', values.cycling, 0, 1),
  groundTruthFile: values['ground-truth'],
  durationS,
  credentials,
  idPrefix,
});

const started = Date.now();
let lastPublished = 0;
let lastAt = started;
const progress = setInterval(
  () => {
    const s = fleet.stats();
    const now = Date.now();
    if (!values.quiet) {
      const rate = ((s.published - lastPublished) * 1000) / (now - lastAt);
      process.stderr.write(
        `connected ${s.connected}/${devices}  ${rate.toFixed(0)} msg/s  published ${s.published}  simulated ${new Date(s.simulatedTimeMs).toISOString().slice(0, 19)}Z  failures injected ${s.failuresInjected}` +
          (s.droppedWhileOffline ? `  dropped offline ${s.droppedWhileOffline}` : '') +
          '\n',
      );
    }
    lastPublished = s.published;
    lastAt = now;
    // A broker that refuses every device as not authorised will refuse them again: say so now.
    if (s.everConnected === 0 && s.refusedNotAuthorised === devices) void stop();
    else if (s.everConnected === 0 && now - started >= connectTimeoutS * 1000) void stop();
  },
  Math.min(2000, connectTimeoutS * 1000),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(progress);
  await fleet.stop();
  const s = fleet.stats();
  const secs = (Date.now() - started) / 1000;
  if (s.everConnected === 0) {
    // A run that never reached the broker did nothing: a script must not take it for success.
    const hint =
      s.refusedNotAuthorised > 0 ? ': provision the devices (--provision-url) or give --username/--password' : '';
    console.error(
      `device-sim: no device could connect to ${values.broker} in ${secs.toFixed(1)} s (${s.lastConnectError ?? 'no answer from the broker'})${hint}`,
    );
    process.exit(1);
  }
  console.log(
    `device-sim: ${devices} devices, ${s.published} messages in ${secs.toFixed(1)} s (${(s.published / secs).toFixed(0)} msg/s), ` +
      `simulated until ${new Date(s.simulatedTimeMs).toISOString()}, ${s.failuresInjected} faults injected, ${s.reconnects} reconnects, ${s.droppedWhileOffline} dropped while offline`,
  );
  process.exit(0);
}
const onSignal = () => (stopping ? process.exit(1) /* a second Ctrl-C: now */ : void stop());
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
if (durationS !== undefined) setTimeout(() => void stop(), durationS * 1000);
