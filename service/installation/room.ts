// The installation room as callers see it (`service.installation`): install a device (its
// commissioning job opens), read how its installation stands.

import type { Clock } from '../../core/clock.ts';
import type { ServiceStores } from '../stores.ts';
import { requireFound, type DeviceRecord, type ServiceWorkOrder } from '../types.ts';
import type { WorkOrderCommands } from '../work-orders/commands.ts';
import type { InstallInput, Installations } from './installation.ts';
import type { Installation } from './store.ts';

export class InstallationRoom {
  readonly #stores: ServiceStores;
  readonly #installations: Installations;
  readonly #commands: WorkOrderCommands;
  readonly #clock: Clock;

  constructor(stores: ServiceStores, installations: Installations, commands: WorkOrderCommands, clock: Clock) {
    this.#stores = stores;
    this.#installations = installations;
    this.#commands = commands;
    this.#clock = clock;
  }

  /** Registers the device at its site and opens its commissioning job (409 while one is under way or once commissioned). */
  install(
    deviceId: string,
    input: InstallInput,
    actor: string,
  ): { device: DeviceRecord; workOrder: ServiceWorkOrder; installation: Installation } {
    return this.#installations.install(this.#commands, deviceId, input, actor, this.#clock.nowMs());
  }

  /** The device's installation through Purna (404: none). */
  installationOf(deviceId: string): Installation {
    return requireFound(this.#stores.installations.get(deviceId), 'installation of device', deviceId);
  }
}
