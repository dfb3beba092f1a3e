// npm run sim -- --devices N --rate HZ --broker mqtt://host:port   (see --help)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ProductModel, seedProductModels, validateProductModel } from '../core/product-catalogue.ts';
import { DEVICE_ID_PATTERN } from '../core/topics.ts';
import { modelsFromJson, planCatalogueFleet } from './catalogue-model.ts';
import { startFleet } from './fleet.ts';
import { planFleet } from './plan.ts';

const HELP = `Purna fleet simulator: each device its own MQTT client (MQTT 3.1.1) publishing
to purna/v1/devices/{id}/telemetry: by default the three built-in models (temperature °C and
vibration velocity RMS mm/s); with --model, any product model of a catalogue, every metric it
declares, in its units.

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
  --model ID[,ID…]       simulate these catalogue models (device i of the i-th, in turn; ids like
                         sim-booster-b40-0001) from their normal ranges and failure-mode signatures;
                         --faults then degrades machines along their failure modes to the rated limits.
                         The three built-in ids need no catalogue; others come from:
  --catalogue-url URL    Purna's catalogue (GET URL/api/catalogue/models), signed in as for
                         --provision-url (--provision-token, or PURNA_EMAIL/PURNA_PASSWORD)
  --catalogue FILE       a catalogue JSON file: an array of models, {"models": [...]} (what the
                         import takes and GET /api/catalogue/models answers) or {"model": {...}}.
                         With either and no --model: every model in it
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
  model: { type: 'string' },
  'catalogue-url': { type: 'string' },
  catalogue: { type: 'string' },
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
if (values['catalogue-url'] && values.catalogue) fail('--catalogue-url and --catalogue: give one of them');
const models = await catalogueModels();
// The longest id this run makes (compressor is the longest built-in kind) must still be a device id.
const longestName = models ? models.map((m) => m.id).reduce((a, b) => (b.length > a.length ? b : a)) : 'compressor';
const longestId = `${idPrefix}${longestName}-${String(devices).padStart(4, '0')}`;
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
if (values['provision-token'] && !provisionUrl && !values['catalogue-url'])
  fail('--provision-token needs --provision-url or --catalogue-url');
if (provisionUrl)
  credentials = await provision(provisionUrl, values['provision-token']).catch((err: Error) =>
    fail(`provisioning at ${provisionUrl} failed: ${err.message}`),
  );

/** The models --model names, from --catalogue-url, --catalogue or the built-in seeds; null: the built-in fleet. */
async function catalogueModels(): Promise<ProductModel[] | null> {
  const wanted = values.model
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  let all: ProductModel[];
  let from: string;
  try {
    if (values.catalogue) {
      from = values.catalogue;
      all = modelsFromJson(JSON.parse(readFileSync(values.catalogue, 'utf8')));
    } else if (values['catalogue-url']) {
      const base = values['catalogue-url'].replace(/\/+$/, '');
      from = `${base}/api/catalogue/models`;
      const session = await sessionAt(base, values['provision-token']);
      const res = await fetch(from, { headers: { authorization: `Bearer ${session}` } });
      if (!res.ok) fail(`reading the catalogue at ${from} failed: HTTP ${res.status} ${await res.text()}`);
      all = modelsFromJson(await res.json());
    } else if (wanted) {
      from = 'the built-in models';
      all = seedProductModels();
    } else return null;
  } catch (err) {
    fail(`reading the catalogue failed: ${(err as Error).message}`);
  }
  const byId = new Map(all.map((m) => [m?.id, m]));
  const chosen = wanted ? wanted.map((id) => byId.get(id)) : all;
  if (wanted)
    wanted.forEach((id, i) => {
      if (!chosen[i]) fail(`no model '${id}' in ${from} (${[...byId.keys()].join(', ') || 'none'})`);
    });
  if (chosen.length === 0) fail(`${from} has no models`);
  for (const m of chosen as ProductModel[]) {
    const { errors } = validateProductModel(m);
    if (errors.length)
      fail(`model '${m.id}' in ${from} is not usable: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
  return chosen as ProductModel[];
}

/** A session token at Purna: --provision-token, else a login with PURNA_EMAIL/PURNA_PASSWORD. */
async function sessionAt(base: string, token: string | undefined): Promise<string> {
  // The session token goes in Authorization (a tool's header, not a browser's cookie).
  if (token) return token;
  const email = process.env.PURNA_EMAIL;
  const password = process.env.PURNA_PASSWORD;
  if (!email || !password)
    fail(`${base} needs --provision-token, or PURNA_EMAIL and PURNA_PASSWORD (a planner login) in the environment`);
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) fail(`login at ${base} failed: HTTP ${login.status} ${await login.text()}`);
  return (login.headers.get('set-cookie') ?? '').split(';')[0].replace(/^[^=]*=/, '');
}

async function provision(
  baseUrl: string,
  token: string | undefined,
): Promise<(id: string) => { username: string; password: string }> {
  const base = baseUrl.replace(/\/+$/, '');
  const session = await sessionAt(base, token);
  // The same ids startFleet plans (they depend on the index and model only).
  const plan = models
    ? planCatalogueFleet(models, { devices, seed, idPrefix })
    : planFleet({ devices, seed, idPrefix });
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
  models: models ?? undefined,
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
