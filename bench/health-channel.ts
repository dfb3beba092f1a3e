// bench:health-channel - what the workers' health channel (dashboard/fleet-sync.ts over
// socket.io's PostgreSQL adapter) costs: worker A's analytics makes a verdict for each of N
// devices every second, worker B folds them into its read model. Both workers run in this
// process (no HTTP: the adapter and the channel only) against Debian's PostgreSQL on a free
// port. Prints verdicts/s delivered, how late (A made it -> B applied it: p50/p99), this
// process's CPU and PostgreSQL's (postmaster + backends, from /proc) per 1,000 verdicts.
import { readdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { quantileSorted } from 'simple-statistics';
import { Server as SocketServer } from 'socket.io';
import { EventBus } from '../core/event-bus.ts';
import type { HealthReport } from '../core/types.ts';
import { attachClusterAdapter } from '../dashboard/cluster-adapter.ts';
import { startFleetSync } from '../dashboard/fleet-sync.ts';
import { FleetView } from '../dashboard/fleet-view.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { benchArgs, writeJson } from './lib.ts';

const args = benchArgs({
  devices: { type: 'string', default: '1000,10000' },
  seconds: { type: 'string', default: '20' },
});
const TICK_S = 100 / 1e3; // clock ticks per second are 100 on Linux: /proc stat fields are in 1/100 s

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

/** utime + stime (s) of the PostgreSQL listening on `port` and its children. */
function postgresCpuS(port: number): number {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const stat = (pid: string) => {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return { ppid: f[1], cpu: (Number(f[11]) + Number(f[12])) * TICK_S };
    } catch {
      return null;
    }
  };
  const master = pids.find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('/postgres')) && argv[argv.indexOf('-p') + 1] === String(port);
    } catch {
      return false;
    }
  });
  if (!master) return Number.NaN;
  let total = stat(master)?.cpu ?? 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s && s.ppid === master) total += s.cpu;
  }
  return total;
}

const verdict = (deviceId: string, tsMs: number): HealthReport => ({
  deviceId,
  tsMs,
  score: 97,
  state: 'healthy',
  metric: 'temperature',
  rule: 'zscore',
  evidence: { latest: 61.2, baselineMean: 60.1, baselineStd: 1.4, zscore: 0.8 },
  timeToThresholdMs: null,
  explanation: 'temperature 61.2 °C is 0.8 σ from its usual 60.1 °C',
  running: true,
  runningMs: 3_600_000,
});

const pg = await startPostgres();
const log = pino({ level: 'silent' });
const runs: Record<string, unknown>[] = [];
try {
  for (const n of args.devices.split(',').map(Number)) {
    const url = await pg.createDatabase(`bench_health_${n}`);
    const worker = async (id: string) => {
      const io = new SocketServer();
      const adapter = await attachClusterAdapter(io, { databaseUrl: url, log });
      const bus = new EventBus();
      const fleet = new FleetView(bus);
      fleet.start();
      const sync = startFleetSync({ io, bus, fleet, workerId: id, log });
      return { io, adapter, bus, fleet, sync };
    };
    const a = await worker('a');
    const b = await worker('b');
    await new Promise((r) => setTimeout(r, 7000)); // both asked for the other's verdicts; heartbeats exchanged
    const ids = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
    const late: number[] = [];
    let applied = 0;
    const original = b.fleet.applyRemoteHealth.bind(b.fleet);
    b.fleet.applyRemoteHealth = (r: HealthReport) => {
      applied++;
      late.push(Date.now() - r.tsMs); // tsMs is the wall time A made it, below
      original(r);
    };
    const seconds = Number(args.seconds);
    const cpu0 = process.cpuUsage();
    const pg0 = postgresCpuS(pg.port);
    const t0 = Date.now();
    let made = 0;
    // One verdict per device per second, spread over the second in 10 slices (as readings arrive).
    for (let tick = 0; tick < seconds * 10; tick++) {
      const slice = ids.slice(((tick % 10) * n) / 10, (((tick % 10) + 1) * n) / 10);
      for (const d of slice) a.bus.emit('health', verdict(d, Date.now()));
      made += slice.length;
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (tick + 1) * 100 - Date.now())));
    }
    await new Promise((r) => setTimeout(r, 3000)); // the last frame and its delivery
    const secs = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgCpu = postgresCpuS(pg.port) - pg0;
    late.sort((x, y) => x - y);
    const run = {
      devices: n,
      verdictsMade: made,
      verdictsDelivered: applied,
      deliveredPerSecond: round(applied / seconds, 0),
      lateMs: { p50: round(quantileSorted(late, 0.5), 0), p99: round(quantileSorted(late, 0.99), 0) },
      processCores: round((cpu.user + cpu.system) / 1e6 / secs, 3),
      postgresCores: round(pgCpu / secs, 3),
      cpuMsPer1000: {
        process: round(((cpu.user + cpu.system) / 1e3 / made) * 1000, 1),
        postgres: round(((pgCpu * 1000) / made) * 1000, 1),
      },
      load: load(),
    };
    runs.push(run);
    console.log(
      `${n.toLocaleString()} devices, a verdict each per second for ${seconds} s: ${applied.toLocaleString()} of ${made.toLocaleString()} delivered (latest per device per 1-s frame), late p50 ${run.lateMs.p50} ms / p99 ${run.lateMs.p99} ms; both workers ${run.processCores} cores (${run.cpuMsPer1000.process} ms per 1,000 verdicts), PostgreSQL ${run.postgresCores} cores (${run.cpuMsPer1000.postgres} ms per 1,000); load ${run.load.join(' ')}`,
    );
    for (const w of [a, b]) {
      w.sync.stop();
      w.fleet.stop();
      await w.adapter.close();
    }
  }
} finally {
  await pg.stop();
}
writeJson(args.json, { runs });
process.exit(0);
