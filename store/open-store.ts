// Which telemetry store the configuration asks for (InfluxDB with INFLUX_URL, else SQLite in the
// data dir), brought up without letting an outage stop start-up (store-startup.ts).

import { join } from 'node:path';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { InfluxTelemetryStore } from './influx-store.ts';
import { SqliteTelemetryStore } from './sqlite-store.ts';
import { StoreStartup } from './store-startup.ts';
import type { TelemetryStore } from './telemetry-store.ts';

export function createTelemetryStore(config: Config): TelemetryStore {
  if (config.influxUrl) {
    return new InfluxTelemetryStore({
      url: config.influxUrl,
      database: config.influxDatabase,
      username: config.influxUsername,
      password: config.influxPassword,
    });
  }
  return new SqliteTelemetryStore(join(config.dataDir, 'telemetry.db'));
}

/**
 * The configured store, its first try awaited. A store that is away does not stop start-up:
 * telemetry goes into the write-ahead log and is stored once the store is back (StoreStartup
 * keeps trying). `onStop` puts each stop on the wiring's list.
 */
export async function openTelemetryStore(
  config: Config,
  log: Logger,
  onStop: (stop: () => Promise<void> | void) => void,
): Promise<{ store: TelemetryStore; storeStartup: StoreStartup }> {
  const store = createTelemetryStore(config);
  onStop(() => store.close());
  const storeStartup = new StoreStartup({
    store,
    log: log.child({ part: 'store', url: config.influxUrl ?? undefined }),
  });
  await storeStartup.start();
  onStop(() => storeStartup.stop());
  return { store, storeStartup };
}
