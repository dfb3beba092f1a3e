import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.ts';

describe('configuration', () => {
  it('defaults, env values and flags', () => {
    const c = loadConfig({ PURNA_HTTP_PORT: '8080', INFLUX_URL: 'http://influx:8086' }, ['--no-sim']);
    expect(c.httpPort).toBe(8080);
    expect(c.influxUrl).toBe('http://influx:8086');
    expect(c.simDevices).toBe(0);
    expect(c.mqttPort).toBe(1883);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('a bad value stops start-up with a message naming the setting', () => {
    expect(() => loadConfig({ PURNA_HTTP_PORT: '70000' }, [])).toThrow(
      /PURNA_HTTP_PORT must be an integer from 0 to 65535, got '70000'/,
    );
    expect(() => loadConfig({ INFLUX_URL: 'not a url' }, [])).toThrow(/INFLUX_URL must be a URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['--nosim'])).toThrow(/unknown argument --nosim/);
    expect(() => loadConfig({ PURNA_WEBHOOK_ALLOW_HOSTS: 'crm.internal, 10.0.0.0/33' }, [])).toThrow(
      /PURNA_WEBHOOK_ALLOW_HOSTS must list host names, IP addresses or CIDR ranges .*'10\.0\.0\.0\/33'/,
    );
    expect(
      loadConfig({ PURNA_WEBHOOK_ALLOW_HOSTS: 'crm.internal, 10.20.0.0/16,fd00::1' }, []).webhookAllowHosts,
    ).toEqual(['crm.internal', '10.20.0.0/16', 'fd00::1']);
    expect(() => loadConfig({ PURNA_MQTT_DENY_SUBSCRIBE: 'ok/topic, bad/#/filter' }, [])).toThrow(
      /PURNA_MQTT_DENY_SUBSCRIBE: '#' must be the last level/,
    );
    expect(loadConfig({ PURNA_MQTT_DENY_SUBSCRIBE: ' test/nosubscribe , secret/#,' }, []).mqttDenySubscribe).toEqual([
      'test/nosubscribe',
      'secret/#',
    ]);
  });

  it('DATABASE_URL: unset by default, a postgres URL, anything else named without echoing the secret', () => {
    expect(loadConfig({}, []).databaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'postgres://purna:pw@db:5432/purna' }, []).databaseUrl).toBe(
      'postgres://purna:pw@db:5432/purna',
    );
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/purna' }, []).databaseUrl).toBe('postgresql://db/purna');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret-pw@db/purna' }, [])).toThrow(
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, got mysql:\/\/…$/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'secret-pw' }, [])).toThrow(/DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it('the cluster settings (PURNA_NATS_URL and its partitions, worker id, leases): defaults and bad values named', () => {
    const c = loadConfig({}, []);
    expect(c.natsUrl).toBe('');
    expect(c.partitions).toBe(64);
    // Host name and process id: two processes on one host are two workers.
    expect(c.workerId).toMatch(new RegExp(`^[A-Za-z0-9_-]+-${process.pid}$`));
    const n = loadConfig(
      { PURNA_NATS_URL: 'nats://a:4222, nats://b:4222', PURNA_PARTITIONS: '16', PURNA_WORKER_ID: 'w-1' },
      [],
    );
    expect([n.natsUrl, n.partitions, n.workerId]).toEqual(['nats://a:4222, nats://b:4222', 16, 'w-1']);
    expect(() => loadConfig({ PURNA_NATS_URL: 'http://nats:4222' }, [])).toThrow(/PURNA_NATS_URL must be nats:\/\//);
    expect(() => loadConfig({ PURNA_NATS_URL: 'nats' }, [])).toThrow(/PURNA_NATS_URL/);
    expect(() => loadConfig({ PURNA_PARTITIONS: '0' }, [])).toThrow(
      /PURNA_PARTITIONS must be an integer from 1 to 4096/,
    );
    expect(() => loadConfig({ PURNA_WORKER_ID: 'a.b' }, [])).toThrow(/PURNA_WORKER_ID must be 1 to 64 letters/);
    expect(() => loadConfig({ PURNA_LEASE_TTL_MS: '100' }, [])).toThrow(/PURNA_LEASE_TTL_MS must be an integer/);
    const nats = { PURNA_NATS_URL: 'nats://127.0.0.1:4222' };
    expect(() =>
      loadConfig({ ...nats, PURNA_STREAM_MAX_AGE_MS: '100000', PURNA_PARTITION_SNAPSHOT_EVERY_MS: '60000' }, []),
    ).toThrow(/PURNA_STREAM_MAX_AGE_MS \(100000\) must be at least two PURNA_PARTITION_SNAPSHOT_EVERY_MS/);
    expect(() => loadConfig({ ...nats, PURNA_LEASE_TTL_MS: '2000', PURNA_LEASE_SKEW_MS: '2000' }, [])).toThrow(
      /PURNA_LEASE_SKEW_MS must be less than PURNA_LEASE_TTL_MS/,
    );
  });

  it('PURNA_LINK_KEY: 32+ bytes as hex or base64, else start-up stops naming it without echoing it', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ PURNA_LINK_KEY: hex }, []).linkKey).toEqual(Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(40, 7).toString('base64');
    expect(loadConfig({ PURNA_LINK_KEY: b64 }, []).linkKey?.length).toBe(40);
    expect(loadConfig({}, []).linkKey).toBeNull();
    let message = '';
    try {
      loadConfig({ PURNA_LINK_KEY: 'short-secret' }, []);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^PURNA_LINK_KEY must be at least 32 bytes/);
    expect(message).not.toContain('short-secret');
  });

  it('settings that only make sense together stop start-up as a configuration error naming them', () => {
    const short = { PURNA_MQTT_SERVICE_USER: 'tools', PURNA_MQTT_SERVICE_TOKEN: 'too-short' };
    expect(() => loadConfig(short, [])).toThrow(ConfigError);
    expect(() => loadConfig(short, [])).toThrow(/PURNA_MQTT_SERVICE_TOKEN must have at least 24 characters/);
    expect(loadConfig({ ...short, PURNA_MQTT_SERVICE_TOKEN: 'x'.repeat(24) }, []).mqttServiceUser).toBe('tools');
    expect(() => loadConfig({ PURNA_TLS_CERT: '/etc/purna/cert.pem' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ PURNA_TLS_KEY: '/etc/purna/key.pem' }, [])).toThrow(
      /set both PURNA_TLS_CERT and PURNA_TLS_KEY, or neither/,
    );
  });

  it('reads a JSON config file; the environment wins over it; unknown keys are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-config-'));
    const file = join(dir, 'purna.json');
    writeFileSync(file, JSON.stringify({ PURNA_HTTP_PORT: 8081, PURNA_MQTT_PORT: 1884, LOG_LEVEL: 'debug' }));
    const c = loadConfig({ PURNA_MQTT_PORT: '1999' }, ['--config', file]);
    expect([c.httpPort, c.mqttPort, c.logLevel]).toEqual([8081, 1999, 'debug']);
    expect(loadConfig({ PURNA_CONFIG_FILE: file }, []).httpPort).toBe(8081);
    writeFileSync(file, JSON.stringify({ PURNA_HTTP_PORTT: 1 }));
    expect(() => loadConfig({}, ['--config', file])).toThrow(/unknown setting PURNA_HTTP_PORTT/);
  });
});
