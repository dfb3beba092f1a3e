// There is no Docker engine here: the compose file is validated by Debian's docker-compose, and
// the Dockerfile's build steps are checked against what .ci/run runs (so CI exercises them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settings } from '../../core/config.ts';

const root = new URL('../../', import.meta.url).pathname;
const compose = (envFile: string, ...args: string[]) =>
  spawnSync(
    'docker-compose',
    ['--project-directory', root, '-f', join(root, 'docker-compose.yml'), '--env-file', envFile, ...args],
    { encoding: 'utf8' },
  );

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  /** 'source:target[:mode]' as docker-compose 1.29 prints them. */
  volumes?: string[];
  ports?: unknown[];
}

/** The resolved file as an object: docker-compose 1.29 prints YAML only, and PyYAML comes with it. */
function resolved(envFile: string): { services: Record<string, ComposeService> } {
  const yaml = compose(envFile, 'config').stdout;
  const r = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
    input: yaml,
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

function envWithSecrets(): string {
  const dir = mkdtempSync(join(tmpdir(), 'purna-compose-'));
  const env = join(dir, '.env');
  writeFileSync(
    env,
    readFileSync(join(root, '.env.example'), 'utf8').replace(/PASSWORD=$/gm, 'PASSWORD=not-a-real-secret-123'),
  );
  return env;
}

/** Services `docker-compose up` starts with these profiles (a service without profiles always starts). */
const startedWith = (services: Record<string, ComposeService>, ...profiles: string[]) =>
  Object.entries(services)
    .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name)
    .sort();

describe('docker-compose.yml', () => {
  it('docker-compose is installed (apt-get install -y docker-compose)', () => {
    expect(spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status).toBe(0);
  });

  it('validates with every secret set; one node by default, the simulator in its profile', () => {
    const env = envWithSecrets();
    const ok = compose(env, 'config', '-q');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const { services } = resolved(env);
    // .env.example's COMPOSE_PROFILES=single: `docker-compose up -d` is the one-node stack.
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toMatch(/^COMPOSE_PROFILES=single$/m);
    expect(startedWith(services, 'single')).toEqual(['influxdb', 'purna']);
    expect(startedWith(services, 'single', 'sim')).toEqual(['influxdb', 'purna', 'simulator']);
    const text = compose(env, 'config').stdout;
    expect(text).toMatch(/INFLUXDB_HTTP_AUTH_ENABLED: ["']true["']/);
    expect(text).toMatch(/image: influxdb:1\.11\.\d+/);
  });

  it('profile cluster: mosquitto, InfluxDB, PostgreSQL, NATS with JetStream and three workers wired to them', () => {
    const { services } = resolved(envWithSecrets());
    const workers = ['purna-1', 'purna-2', 'purna-3'];
    expect(startedWith(services, 'cluster')).toEqual(
      ['influxdb', 'mosquitto', 'mosquitto-passwd', 'nats', 'postgres', ...workers].sort(),
    );
    for (const name of ['influxdb', 'mosquitto', 'postgres', 'nats'])
      expect(services[name].healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(1);
    expect(services.nats.command).toContain('-js');
    expect(services.postgres.image).toMatch(/^postgres:15\.\d+/);
    expect(services.mosquitto.depends_on?.['mosquitto-passwd'].condition).toBe('service_completed_successfully');
    const conf = readFileSync(join(root, 'deploy/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^persistence true$/m); // the workers' sessions survive a broker restart
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(Number(/^max_queued_messages (\d+)$/m.exec(conf)?.[1])).toBeGreaterThanOrEqual(100_000);
    expect(services.mosquitto.volumes).toContain(
      `${join(root, 'deploy/mosquitto.conf')}:/mosquitto/config/mosquitto.conf:ro`,
    );

    const known = new Set(Object.values(settings).map((s) => s.env));
    const ids = new Set<string>();
    const clientIds = new Set<string>();
    const volumes = new Set<string>();
    for (const name of workers) {
      const w = services[name];
      const env = w.environment ?? {};
      // Every variable is one Purna reads (a misspelt one would be ignored without a word).
      for (const key of Object.keys(env)) expect(known.has(key), `${name}: ${key} is a Purna setting`).toBe(true);
      expect(env.MQTT_URL).toBe('mqtt://mosquitto:1883');
      expect(env.MQTT_SHARE_GROUP).toBe('purna');
      expect(env.PURNA_NATS_URL).toBe('nats://nats:4222');
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/purna:[^@]+@postgres:5432\/purna$/);
      expect(env.INFLUX_URL).toBe('http://influxdb:8086');
      expect(env.PURNA_SIM_DEVICES).toBe('0');
      ids.add(env.PURNA_WORKER_ID);
      clientIds.add(env.MQTT_CLIENT_ID);
      for (const dep of ['mosquitto', 'influxdb', 'postgres', 'nats'])
        expect(w.depends_on?.[dep]?.condition, `${name} waits for ${dep}`).toBe('service_healthy');
      expect(w.healthcheck?.test.join(' ')).toContain('/readyz');
      for (const v of w.volumes ?? []) if (v.split(':')[1] === '/data') volumes.add(v.split(':')[0]);
    }
    // Each worker its own id, persistent session and data dir (write-ahead log).
    expect(ids.size).toBe(3);
    expect(clientIds.size).toBe(3);
    expect(volumes.size).toBe(3);
  });

  it('refuses to start without the secrets (no default passwords)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-compose-'));
    const env = join(dir, '.env');
    writeFileSync(env, readFileSync(join(root, '.env.example'), 'utf8'));
    const r = compose(env, 'config', '-q');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /set INFLUXDB_ADMIN_PASSWORD in \.env|set INFLUX_PASSWORD in \.env|set PURNA_ADMIN_PASSWORD in \.env/,
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  it('copies every folder main.ts imports, however indirectly', () => {
    const folders = new Set<string>();
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const rel = file.slice(root.length);
      if (rel.includes('/')) folders.add(rel.split('/')[0]);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*?from '(\.{1,2}\/[^']+\.ts)'/gm))
        walk(new URL(m[1], `file://${file}`).pathname);
    };
    walk(join(root, 'main.ts'));
    expect(folders.size).toBeGreaterThan(5);
    for (const f of folders) expect(dockerfile, `COPY of ${f}/`).toContain(`COPY --from=build /app/${f} ./${f}`);
  });
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  it('builds with the steps CI runs', () => {
    for (const step of ['npm ci', 'npm run typecheck', 'npm run build:ui']) {
      expect(dockerfile).toContain(step);
      expect(ci).toContain(step === 'npm run build:ui' ? 'npm test' : step);
    }
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.test).toContain('npm run build:ui');
  });
  it('runs as a non-root user on a pinned Node 24 slim image with production dependencies only', () => {
    expect(dockerfile).toMatch(/^FROM node:24\.\d+-bookworm-slim AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });
});
