// The client's copy of what the server streams: devices and active work orders, replaced by
// every snapshot (connect, reconnect) and patched by deltas. Views subscribe to changes.
import type { Alert } from '../alerts/alert-book.ts';
import type { DeviceSummary } from '../fleet-view.ts';
import type { WorkOrder } from '../../core/types.ts';
import { ACTIVE_STATES, type WorkOrderState } from '../../core/work-order-states.ts';

/** The work-order fields the service domain adds (see service/types.ts). */
export interface WorkOrderView extends WorkOrder {
  severity?: string;
  slaRespondByMs?: number | null;
  slaResolveByMs?: number | null;
  partSku?: string | null;
  partName?: string | null;
  partDepotId?: string | null;
  partStatus?: string;
  /** Every part of the job with its quantity (partSku … are the first). */
  parts?: { sku: string; name: string; quantity: number; status: string; depotId: string | null }[];
  warrantyCovered?: boolean;
  approvedAmountIdr?: number | null;
  awaitingApprovalIdr?: number | null;
  resolutionCode?: string | null;
  resolvedAtMs?: number | null;
  cancelledAtMs?: number | null;
}

export const ACTIVE = new Set<WorkOrderState>(ACTIVE_STATES);

type Listener = (changed: {
  devices: DeviceSummary[];
  workOrders: WorkOrderView[];
  alerts: Alert[];
  snapshot: boolean;
}) => void;

class LiveState {
  readonly devices = new Map<string, DeviceSummary>();
  readonly workOrders = new Map<string, WorkOrderView>();
  /** The planners' alert list as the server keeps it (empty for technicians). */
  readonly alerts = new Map<number, Alert>();
  readonly #listeners = new Set<Listener>();
  /** When the last snapshot came (null: none since the page loaded, e.g. offline). */
  snapshotAtMs: number | null = null;

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  snapshot(devices: DeviceSummary[], workOrders: WorkOrderView[], alerts: Alert[] = []): void {
    this.devices.clear();
    this.workOrders.clear();
    this.alerts.clear();
    for (const d of devices) this.devices.set(d.deviceId, d);
    for (const o of workOrders) this.workOrders.set(o.id, o);
    for (const a of alerts) this.alerts.set(a.id, a);
    this.snapshotAtMs = Date.now();
    for (const l of this.#listeners) l({ devices, workOrders, alerts, snapshot: true });
  }

  /** An alert as an API call returned it (acknowledged, assigned): shown before its delta arrives. */
  alertChanged(alert: Alert): void {
    this.alerts.set(alert.id, alert);
    for (const l of this.#listeners) l({ devices: [], workOrders: [], alerts: [alert], snapshot: false });
  }

  delta(devices: DeviceSummary[], workOrders: WorkOrderView[], alerts: Alert[] = []): void {
    for (const a of alerts) this.alerts.set(a.id, a);
    for (const d of devices) this.devices.set(d.deviceId, d);
    for (const o of workOrders) {
      if (ACTIVE.has(o.state)) this.workOrders.set(o.id, o);
      else this.workOrders.set(o.id, o); // kept: a resolved order stays visible in "done" until the next snapshot
    }
    for (const l of this.#listeners) l({ devices, workOrders, alerts, snapshot: false });
  }

  activeOrders(): WorkOrderView[] {
    return [...this.workOrders.values()].filter((o) => ACTIVE.has(o.state));
  }
}

export const live = new LiveState();

/**
 * A job's parts as the part line says them: one part as before (its depot in `depot`); several
 * as a list, each with its quantity and, when they come from different depots, its own depot.
 */
export function partLine(
  o: WorkOrderView,
  depotName: (depotId: string) => string = (d) => d,
): { part: string; depot: string } {
  const parts = o.parts ?? [];
  if (parts.length <= 1)
    return { part: o.partName ?? o.partSku ?? 'none', depot: o.partDepotId ? depotName(o.partDepotId) : 'none' };
  const depots = new Set(parts.map((p) => p.depotId));
  const one = depots.size === 1 ? [...depots][0] : undefined;
  const text = parts
    .map(
      (p) =>
        `${p.quantity > 1 ? `${p.quantity} × ` : ''}${p.name}${one === undefined && p.depotId ? ` @ ${depotName(p.depotId)}` : ''}`,
    )
    .join(', ');
  return { part: text, depot: one ? depotName(one) : 'none' };
}
