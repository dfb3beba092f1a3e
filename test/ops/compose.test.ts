// There is no Docker engine here: the compose file is validated by Debian's docker-compose, and
// the Dockerfile's build steps are checked against what .ci/run runs (so CI exercises them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const compose = (envFile: string, ...args: string[]) =>
  spawnSync(
    'docker-compose',
    ['--project-directory', root, '-f', join(root, 'docker-compose.yml'), '--env-file', envFile, ...args],
    { encoding: 'utf8' },
  );

describe('docker-compose.yml', () => {
  it('docker-compose is installed (apt-get install -y docker-compose)', () => {
    expect(spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status).toBe(0);
  });

  it('validates with every secret set, and names the simulator profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-compose-'));
    const env = join(dir, '.env');
    writeFileSync(
      env,
      readFileSync(join(root, '.env.example'), 'utf8').replace(/PASSWORD=$/gm, 'PASSWORD=not-a-real-secret-123'),
    );
    const ok = compose(env, 'config', '-q');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const services = compose(env, '--profile', 'sim', 'config', '--services');
    expect(services.stdout.trim().split('\n').sort()).toEqual(['influxdb', 'purna', 'simulator']);
    const resolved = compose(env, 'config').stdout;
    expect(resolved).toMatch(/INFLUXDB_HTTP_AUTH_ENABLED: ["']true["']/);
    expect(resolved).toMatch(/image: influxdb:1\.11\.\d+/);
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
