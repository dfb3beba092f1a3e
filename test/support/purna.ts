// Starts a whole Purna in the test process on free ports with a temporary data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { startPurna, type Purna } from '../../app.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger, type Logger } from '../../core/log.ts';

export interface TestPurna extends Purna {
  dataDir: string;
  /** Stops Purna and removes its data dir. */
  destroy(): Promise<void>;
}

/** `log`: a logger of the test's own (to read what Purna logged); by default one at TEST_LOG_LEVEL. */
export async function startTestPurna(
  overrides: Partial<Config> = {},
  dataDir?: string,
  log?: Logger,
): Promise<TestPurna> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'purna-test-'));
  const config = loadConfig({}, [], {
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    dataDir: dir,
    simDevices: 0,
    // Most suites test other things than device auth; the access tests turn it on.
    mqttAuth: 'open',
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  } as Partial<Config>);
  const purna = await startPurna(config, log ?? createLogger(config.logLevel));
  return Object.assign(Object.create(null), purna, {
    stop: purna.stop,
    dataDir: dir,
    destroy: async () => {
      await purna.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as TestPurna;
}

export async function connectDevice(
  url: string,
  clientId: string,
  opts: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, stepMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

const TEST_PASSWORD = 'test-password-0123456789';

/**
 * Creates (once) a user of `role` and logs in through the real API; returns the session
 * Cookie header for fetch and socket.io-client (`extraHeaders: { cookie }`).
 */
export async function loginAs(
  purna: Purna,
  role: 'admin' | 'planner' | 'technician',
  technicianId?: string,
): Promise<string> {
  const email = `${role}${technicianId ? `-${technicianId}` : ''}@test.purna`.toLowerCase();
  if (!purna.users.byEmail(email))
    await purna.users.create({ email, role, password: TEST_PASSWORD, technicianId: technicianId ?? null });
  const res = await fetch(`${purna.dashboardUrl}api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: TEST_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login as ${role} failed: HTTP ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0];
}

/** A logger that keeps every line it writes as an object, for tests that check what was logged. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info', base: { app: 'purna' } },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  return { log, lines };
}
