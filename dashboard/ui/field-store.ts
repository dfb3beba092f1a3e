// What the technician app keeps on the phone between visits to the network: the signed-in
// technician (to open offline), their last job list and each job's site, and the status changes
// made while offline (the outbox), sent in order when the connection is back. localStorage, per
// user: a few jobs of a few KB each, read synchronously at start. Signing out clears it all:
// a shared phone keeps no customer's address or phone number for the next person.
import type { Me } from './api.ts';
import type { WorkOrderView } from './state.ts';

const PREFIX = 'purna.field.';
const ME_KEY = `${PREFIX}me`;

/** A job's site as the job card shows it (from GET /api/devices/:id/service). */
export interface SiteInfo {
  place: string;
  serial: string;
  lat: number | null;
  lon: number | null;
  timeZone: string | null;
  phone: string | null;
  contactName: string | null;
}

/** A status change not yet accepted by the server. */
export interface QueuedChange {
  key: string;
  workOrderId: string;
  /** The job's version the technician saw when they made the change (the server's 409 guard). */
  version: number;
  /** The state the job was in then (shown while the change waits). */
  fromState: string;
  body: { to: string; resolutionCode?: string; note?: string };
  queuedAtMs: number;
}

/** A queued change the server refused: the job had changed meanwhile (or is no longer theirs). */
export interface Conflict {
  workOrderId: string;
  wanted: string;
  /** The state the technician saw when they made the change. */
  fromState: string;
  /** The job's state on the server when it refused; null when the technician can no longer see it. */
  nowState: string | null;
  /** The job was changed meanwhile without moving (a part, photo or checklist item recorded): its version, not its state. */
  versionMoved?: boolean;
  reason: string;
  atMs: number;
}

function read<T>(key: string, fallback: T): T {
  try {
    const text = localStorage.getItem(key);
    return text === null ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback;
  }
}
function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (a private window): the app works online as before.
  }
}

/** The signed-in user, kept so the app opens without the network; only technicians use it. */
export function rememberMe(me: Me): void {
  write(ME_KEY, me);
}
export function rememberedMe(): Me | null {
  return read<Me | null>(ME_KEY, null);
}

/** Everything the app kept on this phone, for every user (signing out). */
export function forgetAll(): void {
  for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
}

export class FieldStore {
  readonly #base: string;
  constructor(userId: string) {
    this.#base = `${PREFIX}${userId}.`;
  }

  jobs(): { savedAtMs: number; orders: WorkOrderView[] } | null {
    return read(`${this.#base}jobs`, null);
  }
  saveJobs(orders: WorkOrderView[], nowMs = Date.now()): void {
    write(`${this.#base}jobs`, { savedAtMs: nowMs, orders });
  }

  sites(): Record<string, SiteInfo> {
    return read(`${this.#base}sites`, {});
  }
  saveSite(deviceId: string, site: SiteInfo): void {
    write(`${this.#base}sites`, { ...this.sites(), [deviceId]: site });
  }

  queue(): QueuedChange[] {
    return read(`${this.#base}queue`, []);
  }
  enqueue(change: Omit<QueuedChange, 'key' | 'queuedAtMs'>, nowMs = Date.now()): QueuedChange {
    const c = { ...change, key: `${nowMs}-${Math.random().toString(36).slice(2, 8)}`, queuedAtMs: nowMs };
    write(`${this.#base}queue`, [...this.queue(), c]);
    return c;
  }
  dequeue(key: string): void {
    write(
      `${this.#base}queue`,
      this.queue().filter((c) => c.key !== key),
    );
  }

  conflicts(): Conflict[] {
    return read(`${this.#base}conflicts`, []);
  }
  addConflict(c: Conflict): void {
    write(`${this.#base}conflicts`, [...this.conflicts().filter((x) => x.workOrderId !== c.workOrderId), c]);
  }
  dismissConflict(workOrderId: string): void {
    write(
      `${this.#base}conflicts`,
      this.conflicts().filter((c) => c.workOrderId !== workOrderId),
    );
  }
}
