// What /readyz asks of the telemetry path: the broker takes telemetry, the store answers, the
// writer's writes succeed, the write-ahead log has disk, and the write queue has room. Each check
// names what is wrong, so a 503 says where to look.

import type { ReadinessCheck } from '../core/readiness.ts';
import type { StoreStartup } from '../store/store-startup.ts';
import type { BrokerLink } from './broker-link.ts';
import type { TelemetryWriter } from './telemetry-writer.ts';
import type { WriteAheadLog } from './write-ahead-log.ts';

export interface TelemetryPathParts {
  broker: BrokerLink;
  storeStartup: StoreStartup;
  writer: TelemetryWriter;
  wal: WriteAheadLog;
  /** PURNA_WAL_MAX_BYTES: the write queue is not ready past 90 % of it. */
  walMaxBytes: number;
}

export function telemetryReadiness(p: TelemetryPathParts): ReadinessCheck[] {
  const { broker, storeStartup, writer, wal } = p;
  return [
    { name: 'mqtt broker', check: async () => ({ ok: broker.listening }) },
    { name: 'telemetry store', check: () => storeStartup.readiness() },
    { name: 'telemetry writer', check: async () => writer.readiness() },
    {
      name: 'write-ahead log',
      check: async () => {
        const full = wal.diskFull;
        if (!full) return { ok: true, detail: `${wal.unconfirmedBytes} bytes not yet confirmed stored` };
        return {
          ok: false,
          detail: `disk full (${full.code}) since ${new Date(full.sinceMs).toISOString()}: QoS 1 telemetry is refused (no PUBACK) until space returns`,
        };
      },
    },
    {
      name: 'write queue',
      check: async () => ({
        ok: !wal.backPressure && wal.unconfirmedBytes < p.walMaxBytes * 0.9,
        detail: `${writer.stats.pending} readings pending, ${wal.unconfirmedBytes} bytes in the write-ahead log`,
      }),
    },
  ];
}
