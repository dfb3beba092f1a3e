// The demo story of `npm start` (PURNA_SIM_DEVICES > 0): a service network in Jakarta, Surabaya
// and Bandung with the simulated fleet among its devices (seed.ts), the fleet's story played
// from the start again on every restart, the demo logins, and the simulated fleet itself,
// provisioned like real devices. app.ts builds it with the parts it acts on and calls it at
// three points of the start; without a simulated fleet there is no Demo at all.

import type { Analytics } from '../analytics/index.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { ACTIVE_STATES } from '../core/work-order-states.ts';
import { DEMO_PLANNER_EMAIL, ensureDemoUsers } from '../dashboard/auth/bootstrap.ts';
import type { UserStore } from '../dashboard/auth/users.ts';
import { planFleet, startFleet, type Fleet } from '../device-sim/fleet.ts';
import type { SimDeviceSpec } from '../device-sim/series.ts';
import type { DeviceCredentials } from '../ingest/device-credentials.ts';
import type { ServiceDomain } from '../service/index.ts';
import { seedDemo } from './seed.ts';

export { seedDemo, type SeedOptions, type SeedSummary } from './seed.ts';

export interface DemoOptions {
  /** Simulated devices (PURNA_SIM_DEVICES, > 0). */
  devices: number;
  /** Messages per second per simulated device (PURNA_SIM_RATE_HZ). */
  rateHz: number;
  /** Seed of the fleet and of the demo network (PURNA_SIM_SEED). */
  seed: number;
  service: ServiceDomain;
  analytics: Pick<Analytics, 'forget'>;
  credentials: Pick<DeviceCredentials, 'issueDeviceToken'>;
  clock: Clock;
  log: Logger;
}

/** Note on the work orders the restart closes. */
export const RESTART_NOTE = 'demo restarted: the simulated fleet starts its story again';

export class Demo {
  readonly #o: DemoOptions;
  /** The simulated fleet's devices (ids and models), planned as the fleet will play them. */
  readonly specs: SimDeviceSpec[];
  #fleet: Fleet | null = null;

  constructor(opts: DemoOptions) {
    this.#o = opts;
    this.specs = planFleet({ devices: opts.devices, seed: opts.seed, demo: true });
  }

  /**
   * Before the dashboard: seeds the demo network (idempotent) with the simulated fleet among its
   * devices, then restarts the fleet's story. `npm start` again on the same data dir: the
   * simulated devices' detectors start afresh and their earlier work orders are closed;
   * otherwise the failing pump and compressor find their last run's work orders still open and
   * nothing new happens.
   */
  prepare(): void {
    const { service, analytics } = this.#o;
    seedDemo(service, {
      devices: this.specs.map((s) => ({ deviceId: s.deviceId, modelId: s.modelId })),
      seed: this.#o.seed,
    });
    for (const s of this.specs) {
      analytics.forget(s.deviceId);
      for (const wo of service.workOrders.listWorkOrders({ deviceId: s.deviceId, state: [...ACTIVE_STATES] })) {
        service.workOrders.transition(
          wo.id,
          wo.state === 'on_site'
            ? { to: 'resolved', resolutionCode: 'no_fault_found', actor: 'demo', note: RESTART_NOTE }
            : { to: 'cancelled', actor: 'demo', note: RESTART_NOTE },
        );
      }
    }
  }

  /** The demo logins: the planner and one per technician, with a password new at every start (printed once). */
  async logins(users: UserStore): Promise<{ email: string; password: string }> {
    const technicians = this.#o.service.network.listTechnicians().map((t) => ({ id: t.id, name: t.name }));
    return { email: DEMO_PLANNER_EMAIL, password: await ensureDemoUsers(users, technicians) };
  }

  /** Once the broker listens: the simulated fleet, provisioned like real devices (each its own token). */
  async startFleet(brokerUrl: string): Promise<Fleet> {
    const { credentials, clock } = this.#o;
    const tokens = new Map(
      this.specs.map((s) => [s.deviceId, credentials.issueDeviceToken(s.deviceId, clock.nowMs())]),
    );
    this.#fleet = await startFleet({
      credentials: (deviceId) => ({ username: deviceId, password: tokens.get(deviceId)! }),
      brokerUrl,
      devices: this.#o.devices,
      rateHz: this.#o.rateHz,
      seed: this.#o.seed,
      demo: true,
      log: this.#o.log,
    });
    return this.#fleet;
  }

  /** Stops the simulated fleet, if it was started. */
  async stop(): Promise<void> {
    await this.#fleet?.stop();
    this.#fleet = null;
  }
}
