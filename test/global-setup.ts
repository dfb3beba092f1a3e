// vitest global setup: one real InfluxDB and one real PostgreSQL for the whole run.
// PostgreSQL (for the service tests' `postgres` project, test/support/service-db.ts): Debian's
// server started on a free loopback port with a temporary data dir (test/support/postgres.ts);
// without its package the `postgres` project's first service fails naming it.
//  1. INFLUX_URL if set (an InfluxDB you run);
//  2. else testcontainers (image influxdb:1.11) when a Docker engine answers;
//  3. else Debian's influxd started on a free loopback port with a temporary data dir.
// Tests never mock InfluxDB: with none of the three, the run stops with one clear message.

import { existsSync } from 'node:fs';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { influxdAvailable, startInfluxd } from './support/influxd.ts';
import { postgresAvailable, startPostgres } from './support/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
    /** The maintenance database's URL of the run's PostgreSQL ('' when none is installed). */
    postgresUrl: string;
  }
}

async function dockerAnswers(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopPostgres = await setupPostgres(project);
  const stopInflux = await setupInflux(project);
  return async () => {
    await stopInflux();
    await stopPostgres();
  };
}

async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  if (!postgresAvailable()) {
    project.provide('postgresUrl', '');
    return async () => {};
  }
  const pg = await startPostgres();
  project.provide('postgresUrl', pg.url('postgres'));
  return () => pg.stop();
}

async function setupInflux(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.INFLUX_URL) {
    project.provide('influxUrl', process.env.INFLUX_URL);
    return async () => {};
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('influxdb:1.11')
      .withExposedPorts(8086)
      .withEnvironment({ INFLUXDB_HTTP_AUTH_ENABLED: 'false', INFLUXDB_REPORTING_DISABLED: 'true' })
      .withWaitStrategy(Wait.forHttp('/ping', 8086).forStatusCode(204))
      .start();
    project.provide('influxUrl', `http://${container.getHost()}:${container.getMappedPort(8086)}`);
    return async () => {
      await container.stop();
    };
  }
  if (influxdAvailable()) {
    const influx = await startInfluxd();
    project.provide('influxUrl', influx.url);
    return () => influx.destroy();
  }
  throw new Error(
    'No InfluxDB for the integration tests. Set INFLUX_URL to a running InfluxDB 1.x/2.x (v1 API), ' +
      "start a Docker engine (testcontainers runs influxdb:1.11), or install Debian's package: apt-get install -y influxdb",
  );
}
