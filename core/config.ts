import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import ipaddr from 'ipaddr.js';
import { topicFilterError } from './topic-filters.ts';
import { NOTICE_KINDS, type NoticeKind } from './types.ts';

const DEFAULT_TEMPLATES: Readonly<Record<NoticeKind, string>> = Object.freeze({
  visit_planned: 'purna_visit_planned',
  en_route: 'purna_en_route',
  delayed: 'purna_delayed',
  resolved: 'purna_resolved',
  cancelled: 'purna_cancelled',
  coverage_ending: 'purna_coverage_ending',
  quote_ready: 'purna_quote_ready',
});

// The one place that reads the environment. Every setting is declared once below with its
// env var, default, parser and description; `loadConfig` validates them all at start-up and
// names the bad one. The README's configuration table is this list (see `configTable()`).

export class ConfigError extends Error {}

type Parser<T> = (raw: string, name: string) => T;

interface Setting<T> {
  env: string;
  default: T;
  parse: Parser<T>;
  description: string;
  /** Secrets are never logged or printed. */
  secret?: boolean;
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
    }
    return n;
  };

/** An integer, or null when empty (a default that depends on something else, said where it is used). */
const optionalInt =
  (min: number, max: number): Parser<number | null> =>
  (raw, name) =>
    raw === '' ? null : int(min, max)(raw, name);

const num =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be a number from ${min} to ${max}, got '${raw}'`);
    }
    return n;
  };

const str: Parser<string> = (raw) => raw;

const optionalUrl: Parser<string | null> = (raw, name) => {
  if (raw === '') return null;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got '${raw}'`);
  }
  return raw;
};

/** A postgres:// or postgresql:// URL, or unset. */
const postgresUrl: Parser<string | null> = (raw, name) => {
  if (raw === '') return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a postgres:// URL, got a string that is no URL`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL, got ${u.protocol}//…`);
  return raw;
};

/** A key of at least 32 bytes as hex (64+ characters) or base64; unset: null. */
const keyBytes: Parser<Buffer | null> = (raw, name) => {
  const v = raw.trim();
  if (v === '') return null;
  const key = /^([0-9a-f]{2})+$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length < 32 || (!/^([0-9a-f]{2})+$/i.test(v) && !/^[A-Za-z0-9+/_-]+=*$/.test(v)))
    throw new ConfigError(`${name} must be at least 32 bytes as hex (64 characters) or base64 (openssl rand -hex 32)`);
  return key;
};

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) => {
    if (!(values as string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Comma-separated IP addresses and CIDR ranges ('10.20.0.0/16, ::1'), and host names when `hostNames`. */
const addressList =
  (hostNames: boolean): Parser<readonly string[]> =>
  (raw, name) => {
    const entries = raw
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const e of entries) {
      if (!ipaddr.isValid(e) && !ipaddr.isValidCIDR(e) && !(hostNames && HOST_NAME.test(e))) {
        const kinds = hostNames ? 'host names, IP addresses or CIDR ranges' : 'IP addresses or CIDR ranges';
        throw new ConfigError(`${name} must list ${kinds} separated by commas; '${e}' is none of them`);
      }
    }
    return Object.freeze(entries);
  };

/** Comma-separated MQTT topic filters; each must be valid (MQTT 3.1.1 section 4.7). */
const topicFilterList: Parser<readonly string[]> = (raw, name) => {
  const filters = raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const f of filters) {
    const error = topicFilterError(f);
    if (error) throw new ConfigError(`${name}: ${error}`);
  }
  return Object.freeze(filters);
};

/** A shared secret: unset, or at least `min` characters. */
/** A map tile URL template (Leaflet's {z}/{x}/{y}, optional {s} and {r}), http or https; '' for none. */
const tileUrl: Parser<string> = (raw, name) => {
  if (raw === '') return raw;
  let ok = /\{z\}/.test(raw) && /\{x\}/.test(raw) && /\{y\}/.test(raw);
  try {
    ok &&= ['http:', 'https:'].includes(new URL(raw.replaceAll(/\{[a-z]+\}/g, '0')).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError(`${name} must be an http(s) URL with {z}, {x} and {y} in it, got '${raw}'`);
  return raw;
};

const token =
  (min: number): Parser<string> =>
  (raw, name) => {
    if (raw !== '' && raw.length < min)
      throw new ConfigError(`${name} must have at least ${min} characters (or be unset)`);
    return raw;
  };

/** A host name or IP address, or empty (the feature off). */
const optionalHost: Parser<string> = (raw, name) => {
  const v = raw.trim();
  if (v !== '' && !HOST_NAME.test(v) && !ipaddr.isValid(v))
    throw new ConfigError(`${name} must be a host name or an IP address, got '${raw}'`);
  return v;
};

/** An http(s) URL, or empty when `optional`. */
const httpUrl =
  (optional: boolean): Parser<string> =>
  (raw, name) => {
    if (raw === '' && optional) return '';
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be an http(s) URL, got '${raw}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new ConfigError(`${name} must be an http(s) URL, got '${raw}'`);
    return raw;
  };

/** A mailbox for From: "Name <address>" or a bare address; empty when unset. */
const mailbox: Parser<string> = (raw, name) => {
  const v = raw.trim();
  if (v === '') return '';
  const address = /<([^<>]+)>\s*$/.exec(v)?.[1] ?? v;
  if (!/^[^\s@<>]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(address)) {
    throw new ConfigError(`${name} must be an e-mail address or "Name <address>", got '${raw}'`);
  }
  return v;
};

/** WhatsApp template names per notice kind: 'visit_planned=purna_visit,en_route=…'; every kind named. */
const noticeTemplates: Parser<Readonly<Record<NoticeKind, string>>> = (raw, name) => {
  const out: Partial<Record<NoticeKind, string>> = {};
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kind, template, ...rest] = entry.split('=').map((x) => x.trim());
    if (!(NOTICE_KINDS as readonly string[]).includes(kind))
      throw new ConfigError(`${name}: '${kind}' is not a notice (known: ${NOTICE_KINDS.join(', ')})`);
    // WhatsApp Manager allows lower-case letters, digits and underscores in a template's name.
    if (rest.length || !template || !/^[a-z0-9_]{1,512}$/.test(template))
      throw new ConfigError(
        `${name}: the template of ${kind} must be a WhatsApp template name (a-z, 0-9, _), got '${template ?? ''}'`,
      );
    out[kind as NoticeKind] = template;
  }
  // A setting written before the warranty reminders (issue 19) lacks their kind: it keeps its default.
  out.coverage_ending ??= DEFAULT_TEMPLATES.coverage_ending;
  out.quote_ready ??= DEFAULT_TEMPLATES.quote_ready;
  const missing = NOTICE_KINDS.filter((k) => !out[k]);
  if (missing.length)
    throw new ConfigError(`${name} must name a template for every notice; missing ${missing.join(', ')}`);
  return Object.freeze(out as Record<NoticeKind, string>);
};

/** The SMS gateway's JSON body with "{{to}}" and "{{text}}" somewhere in its string values. */
const jsonBodyTemplate: Parser<string> = (raw, name) => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${name} must be JSON: ${(err as Error).message}`);
  }
  const strings: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(json);
  for (const placeholder of ['{{to}}', '{{text}}']) {
    if (!strings.some((x) => x.includes(placeholder)))
      throw new ConfigError(
        `${name} must hold ${placeholder} in one of its string values, e.g. {"to":"{{to}}","text":"{{text}}"}`,
      );
  }
  return raw;
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName: Parser<string> = (raw, name) => {
  if (!HEADER_NAME.test(raw)) throw new ConfigError(`${name} must be an HTTP header name, got '${raw}'`);
  return raw;
};

/** A NATS server URL (nats://, tls://; comma-separated for a cluster's seed servers), or empty (one process, no stream). */
const natsUrls: Parser<string> = (raw, name) => {
  const v = raw.trim();
  if (v === '') return '';
  for (const u of v.split(',').map((x) => x.trim())) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new ConfigError(`${name} must be nats:// or tls:// URLs separated by commas, got '${raw}'`);
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:')
      throw new ConfigError(`${name} must be nats:// or tls:// URLs separated by commas, got '${raw}'`);
  }
  return v;
};

/** A worker's name in lease keys (`owner.<p>` values, `worker.<id>` keys): letters, digits, '-', '_'; empty: host name and process id. */
const workerId: Parser<string> = (raw, name) => {
  if (raw !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(raw))
    throw new ConfigError(`${name} must be 1 to 64 letters, digits, '-' or '_', got '${raw}'`);
  return raw;
};

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const settings = {
  httpHost: setting({
    env: 'PURNA_HTTP_HOST',
    default: '0.0.0.0',
    parse: str,
    description: 'Address the dashboard/API listens on',
  }),
  httpPort: setting({
    env: 'PURNA_HTTP_PORT',
    default: 3000,
    parse: int(0, 65535),
    description: 'Dashboard and REST API port (0 = any free port)',
  }),
  mqttHost: setting({
    env: 'PURNA_MQTT_HOST',
    default: '0.0.0.0',
    parse: str,
    description: 'Address the embedded MQTT broker listens on',
  }),
  mqttPort: setting({
    env: 'PURNA_MQTT_PORT',
    default: 1883,
    parse: int(0, 65535),
    description: 'Embedded MQTT broker port (0 = any free port)',
  }),
  mqttUrl: setting({
    env: 'MQTT_URL',
    default: null as string | null,
    parse: optionalUrl,
    description: 'External broker (mqtt://, mqtts://, ws://; MQTT 5): Purna embeds none and subscribes there instead',
  }),
  mqttUsername: setting({ env: 'MQTT_USERNAME', default: '', parse: str, description: 'User for the external broker' }),
  mqttPassword: setting({
    env: 'MQTT_PASSWORD',
    default: '',
    parse: str,
    description: 'Password for the external broker',
    secret: true,
  }),
  mqttClientId: setting({
    env: 'MQTT_CLIENT_ID',
    default: 'purna-ingest',
    parse: str,
    description: 'Client id of this worker on the external broker (persistent session)',
  }),
  mqttShareGroup: setting({
    env: 'MQTT_SHARE_GROUP',
    default: '',
    parse: str,
    description: 'MQTT 5 shared-subscription group: workers in one group split the load',
  }),
  mqttAuth: setting({
    env: 'PURNA_MQTT_AUTH',
    default: 'token' as 'token' | 'open',
    parse: oneOf('token', 'open'),
    description:
      'token: devices connect with their id and provisioned token; open: anyone may connect and publish (local experiments only)',
  }),
  mqttMaxPayloadBytes: setting({
    env: 'PURNA_MQTT_MAX_PAYLOAD_BYTES',
    default: 256 * 1024,
    parse: int(64, 64 * 1024 * 1024),
    description: 'Largest MQTT payload accepted; a client sending more is disconnected',
  }),
  mqttMaxConnectsPerIpPerMinute: setting({
    env: 'PURNA_MQTT_MAX_CONNECTS_PER_IP_PER_MINUTE',
    default: 5000,
    parse: int(1, 10_000_000),
    description:
      'CONNECTs accepted per client address per minute (a gateway or simulator connects many devices from one address); refused ones do not count',
  }),
  mqttMaxConnectsPerClientPerMinute: setting({
    env: 'PURNA_MQTT_MAX_CONNECTS_PER_CLIENT_PER_MINUTE',
    default: 30,
    parse: int(1, 100_000),
    description:
      'CONNECTs accepted per client id per minute (a reconnect loop); refused ones do not count, so wrong passwords never lock a device out',
  }),
  mqttMaxAuthFailuresPerIpPerMinute: setting({
    env: 'PURNA_MQTT_MAX_AUTH_FAILURES_PER_IP_PER_MINUTE',
    default: 20,
    parse: int(1, 1_000_000),
    description:
      'Refused CONNECTs (wrong token, client id not the device id) per client address per minute; over it, service users are refused from that address and refusals logged once (devices and technicians with their own tokens still connect)',
  }),
  mqttDenySubscribe: setting({
    env: 'PURNA_MQTT_DENY_SUBSCRIBE',
    default: [] as readonly string[],
    parse: topicFilterList,
    description:
      'Comma-separated topic filters nobody may subscribe to (SUBACK 0x80), with every filter they cover: `secret/#` also refuses `secret/a/+`',
  }),
  mqttServiceUser: setting({
    env: 'PURNA_MQTT_SERVICE_USER',
    default: '',
    parse: str,
    description: 'Optional MQTT service user (tools, other workers) allowed every topic',
  }),
  mqttServiceToken: setting({
    env: 'PURNA_MQTT_SERVICE_TOKEN',
    default: '',
    parse: str,
    description: 'Its token (at least 24 characters)',
    secret: true,
  }),
  mqttsPort: setting({
    env: 'PURNA_MQTTS_PORT',
    default: 8883,
    parse: int(0, 65535),
    description: 'MQTT over TLS port, listening when PURNA_TLS_CERT and PURNA_TLS_KEY are set',
  }),
  tlsCert: setting({
    env: 'PURNA_TLS_CERT',
    default: '',
    parse: str,
    description: 'Path of the PEM certificate (chain) for MQTTS',
  }),
  tlsKey: setting({ env: 'PURNA_TLS_KEY', default: '', parse: str, description: 'Path of its PEM private key' }),
  mqttWebSocketPath: setting({
    env: 'PURNA_MQTT_WS_PATH',
    default: '/mqtt',
    parse: str,
    description: 'MQTT over WebSocket on the dashboard port at this path (empty: off)',
  }),
  webhookAllowHosts: setting({
    env: 'PURNA_WEBHOOK_ALLOW_HOSTS',
    default: [] as readonly string[],
    parse: addressList(true),
    description:
      'Host names, IP addresses and CIDR ranges (comma-separated) that webhooks may reach although they are internal (loopback, private, link-local, CGNAT, metadata); every other internal address is refused',
  }),
  publicUrl: setting({
    env: 'PURNA_PUBLIC_URL',
    default: null as string | null,
    parse: optionalUrl,
    description: 'The dashboard as customers and technicians reach it (absolute survey and tracking links in notices)',
  }),
  dataDir: setting({
    env: 'PURNA_DATA_DIR',
    default: './data',
    parse: str,
    description: 'Directory for the SQLite files (telemetry when no InfluxDB, service data) and spool',
  }),
  simDevices: setting({
    env: 'PURNA_SIM_DEVICES',
    default: 20,
    parse: int(0, 100000),
    description: 'Simulated devices started in-process (0 or `--no-sim` turns the demo fleet off)',
  }),
  simRateHz: setting({
    env: 'PURNA_SIM_RATE_HZ',
    default: 1,
    parse: num(0.001, 100),
    description: 'Readings per second per simulated device',
  }),
  simSeed: setting({
    env: 'PURNA_SIM_SEED',
    default: 42,
    parse: int(0, 2 ** 31),
    description: 'Seed of the demo fleet (same seed, same series)',
  }),
  influxUrl: setting({
    env: 'INFLUX_URL',
    default: null as string | null,
    parse: optionalUrl,
    description: 'InfluxDB base URL (v1 HTTP API). Unset: telemetry goes to the embedded SQLite store',
  }),
  influxDatabase: setting({
    env: 'INFLUX_DATABASE',
    default: 'purna',
    parse: str,
    description: 'InfluxDB database (created if missing)',
  }),
  influxUsername: setting({ env: 'INFLUX_USERNAME', default: '', parse: str, description: 'InfluxDB user (v1 auth)' }),
  influxPassword: setting({
    env: 'INFLUX_PASSWORD',
    default: '',
    parse: str,
    description: 'InfluxDB password (v1 auth)',
    secret: true,
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    default: null as string | null,
    parse: postgresUrl,
    description:
      "PostgreSQL shared by Purna's workers (postgres://user:password@host:5432/db). Set: the service domain (work orders, network, customers, catalogue) is kept there instead of service.db, migrations applied at start, and the dashboards' live updates go through it (socket.io's PostgreSQL adapter), so a browser on any worker sees every device and work order. Unset: one process, nothing shared",
    secret: true,
  }),
  writeBatchSize: setting({
    env: 'PURNA_WRITE_BATCH_SIZE',
    default: null as number | null,
    parse: optionalInt(1, 1_000_000),
    description:
      "Readings per write batch to the telemetry store (unset: the store's own, 5000 for InfluxDB, 50000 for SQLite)",
  }),
  walMaxBytes: setting({
    env: 'PURNA_WAL_MAX_BYTES',
    default: 256 * 1024 * 1024,
    parse: int(1024 * 1024, 2 ** 40),
    description:
      'Disk bound of the write-ahead log (readings acknowledged but not yet stored); above it publishers are held back, nothing is dropped',
  }),
  walGroupCommitMs: setting({
    env: 'PURNA_WAL_GROUP_COMMIT_MS',
    default: null as number | null,
    parse: optionalInt(0, 100),
    description:
      'A write-ahead log commit (one write and fdatasync, about 0.35 ms of CPU whatever it holds) waits this long after its first message for more (ms; 0: the next event-loop turn): fewer, larger commits, for at most as much more PUBACK latency. Unset: 10 with the embedded broker (many devices publish at once), 0 with MQTT_URL (the broker link hands over one message at a time and waits for its acknowledgement, so a wait would cap a worker at ~90 messages/s)',
  }),
  writeBatchMaxAgeMs: setting({
    env: 'PURNA_WRITE_BATCH_MAX_AGE_MS',
    default: null as number | null,
    parse: optionalInt(1, 60_000),
    description:
      "A batch is written when it is this old even if not full (ms; unset: the store's own, 100 for InfluxDB, 1000 for SQLite, whose cost is per page a commit touches: see store/README.md)",
  }),
  writeStuckAfterMs: setting({
    env: 'PURNA_WRITE_STUCK_AFTER_MS',
    default: 60_000,
    parse: int(100, 24 * 3600_000),
    description:
      '/readyz reports the telemetry writer stuck once its writes have failed this long without one succeeding (ms): a store outage, or a refusal it cannot explain',
  }),
  maxFutureSkewMs: setting({
    env: 'PURNA_MAX_FUTURE_SKEW_MS',
    default: 5 * 60_000,
    parse: int(0, 366 * 86_400_000),
    description:
      "A device timestamp further ahead of the server clock than this is rejected (ms); a reading from the future would hold the device's latest value until then",
  }),
  maxPastAgeMs: setting({
    env: 'PURNA_MAX_PAST_AGE_MS',
    default: 365 * 86_400_000,
    parse: int(60_000, 100 * 366 * 86_400_000),
    description: 'A device timestamp older than this is rejected (ms; default 365 days)',
  }),
  maxMetricsPerDevice: setting({
    env: 'PURNA_MAX_METRICS_PER_DEVICE',
    default: 32,
    parse: int(1, 1000),
    description: 'Distinct metric names one device may send; a reading that would add one more is rejected naming it',
  }),
  undeclaredMetrics: setting({
    env: 'PURNA_UNDECLARED_METRICS',
    default: 'reject' as 'reject' | 'store',
    parse: oneOf('reject', 'store'),
    description:
      "A metric the device's product model does not declare: reject the message naming it (the device hears why), or store it without judging it (neither analytics nor the live views see it)",
  }),
  falseAlarmQuietHours: setting({
    env: 'PURNA_FALSE_ALARM_QUIET_HOURS',
    default: 72,
    parse: num(0, 24 * 365),
    description:
      'A work order dismissed as a false alarm: analytics does not request that device and failure mode again for this long (hours, device time) unless its health becomes clearly worse (20 points below what was dismissed, or half of a lower score)',
  }),
  historyRetentionDays: setting({
    env: 'PURNA_HISTORY_RETENTION_DAYS',
    default: 30,
    parse: num(1, 3660),
    description:
      "Days the control room keeps each device's health history and events, and resolved alerts (control-room.db in the data dir; at most a health row per device a minute)",
  }),
  analyticsSnapshotEveryMs: setting({
    env: 'PURNA_ANALYTICS_SNAPSHOT_EVERY_MS',
    default: 5 * 60_000,
    parse: int(1000, 86_400_000),
    description: "How often the detectors' state is saved to the data dir (ms; also on stop)",
  }),
  mapTileUrl: setting({
    env: 'PURNA_MAP_TILE_URL',
    default: '',
    parse: tileUrl,
    description:
      "Map tiles for the work-order board's map of jobs and technicians, as a URL template (https://tiles.example/{z}/{x}/{y}.png; your own tile server or a provider you may use). Unset: the board lists them instead (no network is assumed)",
  }),
  mapAttribution: setting({
    env: 'PURNA_MAP_ATTRIBUTION',
    default: '',
    parse: str,
    description: 'The attribution the tile source asks for, shown in the corner of the map (plain text)',
  }),
  adminEmail: setting({
    env: 'PURNA_ADMIN_EMAIL',
    default: '',
    parse: str,
    description: 'First admin user, created at start-up if no admin exists (with PURNA_ADMIN_PASSWORD)',
  }),
  adminPassword: setting({
    env: 'PURNA_ADMIN_PASSWORD',
    default: '',
    parse: str,
    description: 'Password of that first admin (at least 12 characters); never a default in code',
    secret: true,
  }),
  cookieSecure: setting({
    env: 'PURNA_COOKIE_SECURE',
    default: 'auto' as 'auto' | 'true' | 'false',
    parse: oneOf('auto', 'true', 'false'),
    description: 'Secure flag of the session cookie: auto = when the request came over https',
  }),
  sessionTtlHours: setting({
    env: 'PURNA_SESSION_TTL_HOURS',
    default: 12,
    parse: num(0.1, 24 * 30),
    description: 'Dashboard session lifetime, hours (the live connection closes with the session)',
  }),
  metricsToken: setting({
    env: 'PURNA_METRICS_TOKEN',
    default: '',
    parse: token(24),
    description:
      'Bearer token Prometheus sends for /metrics (at least 24 characters); set, it is required from every address',
    secret: true,
  }),
  metricsAllowFrom: setting({
    env: 'PURNA_METRICS_ALLOW_FROM',
    default: Object.freeze(['127.0.0.0/8', '::1']) as readonly string[],
    parse: addressList(false),
    description:
      'Addresses and CIDR ranges that may read /metrics without a token while PURNA_METRICS_TOKEN is unset (empty: nobody)',
  }),
  trustProxy: setting({
    env: 'PURNA_TRUST_PROXY',
    default: Object.freeze([]) as readonly string[],
    parse: addressList(false),
    description:
      'Addresses and CIDR ranges of reverse proxies whose X-Forwarded-For names the client (login limits, /metrics allow-list and logs then see the client, not the proxy); empty: the header is ignored',
  }),
  smtpHost: setting({
    env: 'PURNA_SMTP_HOST',
    default: '',
    parse: optionalHost,
    description:
      'SMTP server for e-mail notices to customers (empty: no e-mail; the notices are then recorded as not sent)',
  }),
  smtpPort: setting({
    env: 'PURNA_SMTP_PORT',
    default: 587,
    parse: int(1, 65535),
    description: 'Its port (587 submission with STARTTLS, 465 TLS)',
  }),
  smtpTls: setting({
    env: 'PURNA_SMTP_TLS',
    default: 'starttls' as 'starttls' | 'tls' | 'none',
    parse: oneOf('starttls', 'tls', 'none'),
    description:
      'starttls: upgrade the connection or refuse to send; tls: TLS from the first byte (port 465); none: plain text (a relay on the same host only)',
  }),
  smtpUser: setting({ env: 'PURNA_SMTP_USER', default: '', parse: str, description: 'SMTP login (empty: none)' }),
  smtpPassword: setting({
    env: 'PURNA_SMTP_PASSWORD',
    default: '',
    parse: str,
    description: 'SMTP password',
    secret: true,
  }),
  smtpFrom: setting({
    env: 'PURNA_SMTP_FROM',
    default: '',
    parse: mailbox,
    description: 'From: of the notices, `Name <address>` (needed with PURNA_SMTP_HOST)',
  }),
  whatsappBaseUrl: setting({
    env: 'PURNA_WHATSAPP_BASE_URL',
    default: 'https://graph.facebook.com/v21.0',
    parse: httpUrl(false),
    description: 'WhatsApp Business Cloud API base, Graph API version included',
  }),
  whatsappToken: setting({
    env: 'PURNA_WHATSAPP_TOKEN',
    default: '',
    parse: str,
    description: "Its access token (a system user's); set, WhatsApp notices are on",
    secret: true,
  }),
  whatsappPhoneNumberId: setting({
    env: 'PURNA_WHATSAPP_PHONE_NUMBER_ID',
    default: '',
    parse: (raw, name) => {
      if (raw !== '' && !/^\d{5,20}$/.test(raw))
        throw new ConfigError(`${name} must be the digits of the business phone number's id, got '${raw}'`);
      return raw;
    },
    description: 'The id of the business phone number the notices are sent from (needed with PURNA_WHATSAPP_TOKEN)',
  }),
  whatsappTemplates: setting({
    env: 'PURNA_WHATSAPP_TEMPLATES',
    default: DEFAULT_TEMPLATES,
    parse: noticeTemplates,
    description:
      'The approved message template of each notice, `notice=template` comma-separated (parameters: service/notifications/README.md)',
  }),
  whatsappAppSecret: setting({
    env: 'PURNA_WHATSAPP_APP_SECRET',
    default: '',
    parse: str,
    description:
      "The Meta app's secret: the WhatsApp webhook (POST /api/inbound/whatsapp) is accepted only with its X-Hub-Signature-256; empty: the webhook answers 503",
    secret: true,
  }),
  whatsappVerifyToken: setting({
    env: 'PURNA_WHATSAPP_VERIFY_TOKEN',
    default: '',
    parse: str,
    description:
      "The verify token entered in the app's webhook settings, for Meta's subscription handshake (GET /api/inbound/whatsapp)",
    secret: true,
  }),
  linkKey: setting({
    env: 'PURNA_LINK_KEY',
    default: null as Buffer | null,
    parse: keyBytes,
    description:
      "The key customers' tracking-link tokens are derived with (32+ bytes, hex or base64; `openssl rand -hex 32`). Workers sharing one DATABASE_URL need the same key. Unset: the file link-key in the data dir, made on first start",
    secret: true,
  }),
  inboundEmailSecret: setting({
    env: 'PURNA_INBOUND_EMAIL_SECRET',
    default: '',
    parse: str,
    description:
      'The secret an inbound-mail relay signs POST /api/inbound/email with (X-Purna-Signature: sha256=HMAC of the body); empty: that endpoint answers 503',
    secret: true,
  }),
  smsUrl: setting({
    env: 'PURNA_SMS_URL',
    default: '',
    parse: httpUrl(true),
    description: 'SMS gateway: its URL, POSTed one JSON body per message (empty: no SMS)',
  }),
  smsAuthHeader: setting({
    env: 'PURNA_SMS_AUTH_HEADER',
    default: 'Authorization',
    parse: headerName,
    description: 'The header the gateway reads its token from',
  }),
  smsToken: setting({
    env: 'PURNA_SMS_TOKEN',
    default: '',
    parse: str,
    description: "That header's whole value (e.g. `Bearer …`)",
    secret: true,
  }),
  smsBodyTemplate: setting({
    env: 'PURNA_SMS_BODY_TEMPLATE',
    default: '{"to":"{{to}}","text":"{{text}}"}',
    parse: jsonBodyTemplate,
    description: 'The JSON body the gateway wants, `{{to}}` (E.164) and `{{text}}` where the number and the text go',
  }),
  natsUrl: setting({
    env: 'PURNA_NATS_URL',
    default: '',
    parse: natsUrls,
    description:
      'NATS server(s) with JetStream (nats://host:4222, comma-separated seeds): ingest publishes every accepted reading to the partitioned stream PURNA_READINGS and analytics judges only the partitions this worker leases (cluster/README.md). Empty: one process judges every device',
  }),
  partitions: setting({
    env: 'PURNA_PARTITIONS',
    default: 64,
    parse: int(1, 4096),
    description:
      'Partitions of the reading stream (p = FNV-1a(deviceId) mod P); every worker of a cluster must have the same, and it is fixed for the life of the stream',
  }),
  workerId: setting({
    env: 'PURNA_WORKER_ID',
    default: '',
    parse: workerId,
    description:
      "This worker's name in the partition leases (letters, digits, '-', '_'); empty: host name and process id",
  }),
  leaseTtlMs: setting({
    env: 'PURNA_LEASE_TTL_MS',
    default: 6000,
    parse: int(1000, 120_000),
    description:
      "How long a partition's lease lasts unless renewed (ms; renewed every third of it): a worker that dies loses its partitions this long after, plus PURNA_LEASE_SKEW_MS",
  }),
  leaseSkewMs: setting({
    env: 'PURNA_LEASE_SKEW_MS',
    default: 1000,
    parse: int(0, 60_000),
    description:
      'Margin for clock skew and pauses: a lease that expired or was released is taken only this long after (ms)',
  }),
  partitionSnapshotEveryMs: setting({
    env: 'PURNA_PARTITION_SNAPSHOT_EVERY_MS',
    default: 60_000,
    parse: int(1000, 86_400_000),
    description:
      "How often a worker saves each leased partition's detector state to the purna_snapshots bucket, with the stream sequence it covers (ms; also when it lets a partition go)",
  }),
  streamMaxAgeMs: setting({
    env: 'PURNA_STREAM_MAX_AGE_MS',
    default: 3_600_000,
    parse: int(60_000, 366 * 86_400_000),
    description:
      'How long the stream PURNA_READINGS keeps a reading (ms); at least two PURNA_PARTITION_SNAPSHOT_EVERY_MS, so a replay from the last snapshot finds what it needs',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    default: 'info',
    parse: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    description: 'Log level (pino)',
  }),
} as const;

type Settings = typeof settings;
export type Config = { readonly [K in keyof Settings]: Settings[K]['default'] };

/**
 * Reads an optional JSON config file whose keys are the same variable names as the environment
 * ({"INFLUX_URL": "http://influxdb:8086", "PURNA_HTTP_PORT": 8080}); unknown keys are an error.
 */
function readConfigFile(path: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  const known = new Set(Object.values(settings).map((s: Setting<unknown>) => s.env));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting ${key}`);
    if (value !== null && typeof value === 'object')
      throw new ConfigError(`config file ${path}: ${key} must be a string, number or boolean`);
    out[key] = String(value);
  }
  return out;
}

/**
 * Builds the frozen configuration from the environment (process.env by default), an optional
 * JSON file (`PURNA_CONFIG_FILE` or `--config FILE`; the environment wins over the file) and CLI
 * flags. Flags: `--no-sim` (no demo fleet), `--config FILE`.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: readonly string[] = process.argv.slice(2),
  overrides: Partial<Config> = {},
): Config {
  let configFile = env.PURNA_CONFIG_FILE;
  let noSim = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-sim') noSim = true;
    else if (arg === '--config') {
      configFile = argv[++i];
      if (!configFile) throw new ConfigError('--config needs a file path');
    } else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else throw new ConfigError(`unknown argument ${arg} (known: --no-sim, --config FILE)`);
  }
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(settings) as [keyof Settings, Setting<unknown>][]) {
    const raw = env[s.env] ?? fromFile[s.env];
    out[key] = raw === undefined ? s.default : s.parse(raw, s.env);
  }
  if (noSim) out.simDevices = 0;
  // A name every worker of a cluster has apart: host and process (a restarted process is a new worker).
  if (out.workerId === '')
    out.workerId = `${hostname()
      .replaceAll(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 48)}-${process.pid}`;
  Object.assign(out, overrides);
  checkTogether(out as Config);
  return Object.freeze(out) as Config;
}

/** Settings that only make sense together: named, so start-up stops saying which is missing. */
function checkTogether(c: Config): void {
  if (c.smtpHost && !c.smtpFrom)
    throw new ConfigError('PURNA_SMTP_FROM must be set with PURNA_SMTP_HOST (the From: of the notices)');
  if (c.smtpPassword && !c.smtpUser) throw new ConfigError('PURNA_SMTP_PASSWORD is set without PURNA_SMTP_USER');
  if (c.mqttServiceUser && c.mqttServiceToken.length < 24)
    throw new ConfigError('PURNA_MQTT_SERVICE_TOKEN must have at least 24 characters (with PURNA_MQTT_SERVICE_USER)');
  if (c.natsUrl && c.streamMaxAgeMs < 2 * c.partitionSnapshotEveryMs)
    throw new ConfigError(
      `PURNA_STREAM_MAX_AGE_MS (${c.streamMaxAgeMs}) must be at least two PURNA_PARTITION_SNAPSHOT_EVERY_MS (${c.partitionSnapshotEveryMs}): a replay from the last snapshot needs those readings`,
    );
  if (c.natsUrl && c.leaseSkewMs >= c.leaseTtlMs)
    throw new ConfigError('PURNA_LEASE_SKEW_MS must be less than PURNA_LEASE_TTL_MS');
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey))
    throw new ConfigError('set both PURNA_TLS_CERT and PURNA_TLS_KEY, or neither');
  if (Boolean(c.whatsappToken) !== Boolean(c.whatsappPhoneNumberId)) {
    throw new ConfigError(
      c.whatsappToken
        ? 'PURNA_WHATSAPP_PHONE_NUMBER_ID must be set with PURNA_WHATSAPP_TOKEN'
        : 'PURNA_WHATSAPP_TOKEN must be set with PURNA_WHATSAPP_PHONE_NUMBER_ID',
    );
  }
}

/** A default as the README writes it: lists comma-separated, maps as `key=value` pairs. */
function shown(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v))
    return Object.entries(v)
      .map(([k, x]) => `${k}=${String(x)}`)
      .join(',');
  return String(v);
}

/** Rows for the README's configuration table. */
export function configTable(): { env: string; default: string; description: string }[] {
  return Object.values(settings).map((s: Setting<unknown>) => ({
    env: s.env,
    default: s.default === null || s.secret ? '(unset)' : shown(s.default),
    description: s.description,
  }));
}
