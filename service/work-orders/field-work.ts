// What a technician records on site besides the lifecycle: the parts they fitted (they leave the
// stock they came from, the job's reservation first) and the photo and customer signature kept
// with the work order. Each call is one transaction; the changed job goes out on the bus so the
// board and the technician's phone follow.

import type { SqlDb } from '../../sql/sql-db.ts';
import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../core/event-bus.ts';
import { inTransaction, prepared } from '../db.ts';
import type { ChecklistEntry, ChecklistRecord } from './checklist.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, notFound, type ServiceWorkOrder, type WorkOrderPart } from '../types.ts';

export const ATTACHMENT_KINDS = ['photo', 'signature'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** Image types a phone sends, and the bytes each file starts with (the body must be what it says). */
export const IMAGE_TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) =>
    b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/webp': (b) => b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
};

/**
 * Largest photo or signature kept, bytes. The app scales a photo to 1600 px JPEG first (a few
 * hundred KB); a phone camera's original (4–12 MB) is refused with 413 rather than filling the
 * service database.
 */
export const ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024;
/** A job keeps at most this many photos (and one signature, the latest counting). */
export const PHOTOS_PER_JOB = 10;

export interface Attachment {
  id: number;
  workOrderId: string;
  kind: AttachmentKind;
  contentType: string;
  size: number;
  /** The customer's name as they signed (signatures only). */
  signedBy: string | null;
  createdBy: string;
  createdAtMs: number;
}

export interface PartUsedInput {
  sku: string;
  quantity: number;
  /** Where they came from; default: the job's reservation of that part, else the technician's depot (a van is a depot). */
  depotId?: string;
}

interface AttachmentRow {
  id: number;
  work_order_id: string;
  kind: AttachmentKind;
  content_type: string;
  size: number;
  signed_by: string | null;
  created_by: string;
  created_at_ms: number;
}
const toAttachment = (r: AttachmentRow): Attachment => ({
  id: r.id,
  workOrderId: r.work_order_id,
  kind: r.kind,
  contentType: r.content_type,
  size: r.size,
  signedBy: r.signed_by,
  createdBy: r.created_by,
  createdAtMs: r.created_at_ms,
});
const COLUMNS = 'id, work_order_id, kind, content_type, size, signed_by, created_by, created_at_ms';

export class FieldWork {
  readonly #stores: ServiceStores;
  readonly #db: SqlDb;
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #trackingBaseUrl: () => string;

  constructor(opts: { stores: ServiceStores; bus: EventBus; clock: Clock; trackingBaseUrl: () => string }) {
    this.#stores = opts.stores;
    this.#db = opts.stores.db;
    this.#bus = opts.bus;
    this.#clock = opts.clock;
    this.#trackingBaseUrl = opts.trackingBaseUrl;
  }

  /**
   * After the repair: the tracking page of the site's contact for this job (the same link their
   * notices carry, issued on first use), where the customer confirms it is fixed and rates the
   * visit, shown on the technician's phone to hand over. 409 before the job is resolved or
   * without a contact at the site.
   */
  customerLink(id: string): { url: string; contactName: string } {
    const { orders, registry, contacts, links } = this.#stores;
    return inTransaction(this.#db, () => {
      const wo = orders.require(id);
      if (wo.state !== 'resolved')
        throw conflict(`work order is ${wo.state}: the customer's link follows the resolution`);
      const device = registry.getDevice(wo.deviceId);
      const all = device?.customerId ? contacts.listForCustomer(device.customerId) : [];
      const contact =
        all.find((c) => c.siteId !== null && c.siteId === device?.siteId) ?? all.find((c) => c.siteId === null);
      if (!contact) throw conflict(`no contact recorded at the site of ${wo.deviceId} to give the link to`);
      const linkId = links.ensure(wo.id, contact.id, this.#clock.nowMs());
      return { url: `${this.#trackingBaseUrl()}${links.tokenOf(linkId)}`, contactName: contact.name };
    });
  }

  /**
   * Parts fitted on site: from the job's reservation of that part first (reserved → consumed),
   * the rest from the free stock of `depotId` (409 when fewer are free there). The job's parts
   * list shows every line; resolving later consumes only what is still reserved, so nothing
   * leaves the stock twice.
   */
  usePart(id: string, input: PartUsedInput, actor: string): ServiceWorkOrder {
    const { orders, network } = this.#stores;
    const now = this.#clock.nowMs();
    const order = inTransaction(this.#db, () => {
      const wo = orders.require(id);
      if (wo.state !== 'on_site') throw conflict(`work order is ${wo.state}: parts used are recorded on site`);
      if (input.depotId !== undefined && !network.depotExists(input.depotId)) throw notFound('depot', input.depotId);
      // One line per part on a job (the store's key): what was used is added to that part's line.
      const parts: WorkOrderPart[] = wo.parts.map((p) => ({ ...p }));
      let left = input.quantity;
      const taken: string[] = [];
      let line = parts.find((p) => p.sku === input.sku);
      if (
        line?.status === 'reserved' &&
        line.depotId &&
        (input.depotId === undefined || input.depotId === line.depotId)
      ) {
        const n = Math.min(left, line.quantity);
        network.consume(line.depotId, line.sku, wo.id, now, n);
        // Fewer fitted than reserved: the rest goes back on the shelf (resolving would consume it otherwise).
        if (n < line.quantity) network.release(line.depotId, line.sku, wo.id, now, line.quantity - n);
        taken.push(
          `${n} × ${input.sku} from ${line.depotId} (reserved${n < line.quantity ? `; ${line.quantity - n} released` : ''})`,
        );
        Object.assign(line, { quantity: n, status: 'consumed' });
        left -= n;
      }
      if (left > 0) {
        const technician = wo.technicianId ? network.getTechnician(wo.technicianId) : undefined;
        const from =
          input.depotId ?? (line?.status === 'reserved' ? null : line?.depotId) ?? technician?.depotId ?? null;
        if (!from) throw badRequest('depotId: the technician has no depot; name where the part came from');
        const [item] = network.listInventory({ depotId: from, sku: input.sku });
        if (!item) throw notFound(`part at depot ${from}`, input.sku);
        if (!network.tryTake(from, input.sku, wo.id, now, left))
          throw conflict(`only ${item.available} of ${input.sku} free at ${from}; ${left} needed`);
        taken.push(`${left} × ${input.sku} from ${from}`);
        if (line?.status === 'consumed') line.quantity += left;
        else if (line) {
          // Reserved elsewhere, fitted from here: that reservation is not needed any more.
          if (line.status === 'reserved' && line.depotId)
            network.release(line.depotId, line.sku, wo.id, now, line.quantity);
          Object.assign(line, { quantity: left, status: 'consumed', depotId: from, leadTimeMs: null });
        } else {
          line = {
            sku: input.sku,
            name: item.partName,
            quantity: left,
            status: 'consumed',
            depotId: from,
            leadTimeMs: null,
          };
          parts.push(line);
        }
      }
      orders.saveParts(wo.id, parts);
      // A new version: the record changed (parts, stock), so a client holding the job as it was
      // (a step queued offline, a planner's page) is told so (409) rather than acting on it blind.
      // The answer carries the new version for the technician's own next step.
      return orders.patch(wo.id, {}, { actor, nowMs: now, note: `part used: ${taken.join(', ')}` });
    });
    this.#bus.emit('workOrder', order);
    return order;
  }

  /**
   * One checklist item recorded on an active job (a reading outside its range is kept and blocks
   * the resolution): a note and a new version, as for parts used, so a client holding the job as
   * it was is told it changed.
   */
  recordChecklistItem(
    id: string,
    record: ChecklistRecord,
    by: string,
  ): { item: ChecklistEntry; workOrder: ServiceWorkOrder } {
    const { orders, checklists } = this.#stores;
    const now = this.#clock.nowMs();
    const done = inTransaction(this.#db, () => {
      const wo = orders.require(id);
      if (wo.state === 'resolved' || wo.state === 'cancelled')
        throw conflict(`work order is ${wo.state}: its checklist is closed`);
      const item = checklists.record(wo.id, wo.deviceId, record, by, now);
      const what = item.value !== null ? `: ${item.value}` : item.doneAtMs === null ? ' not done' : ' done';
      const note = `checklist ${item.itemId} “${item.label}”${what}`;
      const workOrder = orders.patch(wo.id, {}, { actor: by, nowMs: now, note });
      return { item, workOrder };
    });
    this.#bus.emit('workOrder', done.workOrder);
    return done;
  }

  /** Keeps a photo or the customer's signature with an active or just-resolved job. */
  addAttachment(
    id: string,
    input: { kind: AttachmentKind; contentType: string; bytes: Buffer; signedBy?: string },
    actor: string,
  ): { attachment: Attachment; workOrder: ServiceWorkOrder } {
    const { orders } = this.#stores;
    const check = IMAGE_TYPES[input.contentType];
    if (!check)
      throw badRequest(`content-type: ${input.contentType} is not one of ${Object.keys(IMAGE_TYPES).join(', ')}`);
    if (!check(input.bytes)) throw badRequest(`body: not a ${input.contentType} image`);
    if (input.kind === 'signature' && !input.signedBy?.trim())
      throw badRequest("signedBy is required with a signature: the customer's name as they signed");
    const now = this.#clock.nowMs();
    const kept = inTransaction(this.#db, () => {
      const wo = orders.require(id);
      if (wo.state === 'cancelled') throw conflict('work order is cancelled: nothing more is kept with it');
      if (wo.state !== 'on_site' && wo.state !== 'resolved')
        throw conflict(`work order is ${wo.state}: photos and signatures are taken on site`);
      if (input.kind === 'photo') {
        const n = (
          prepared(
            this.#db,
            "SELECT COUNT(*) AS n FROM work_order_attachments WHERE work_order_id = ? AND kind = 'photo'",
          ).get(wo.id) as { n: number }
        ).n;
        if (n >= PHOTOS_PER_JOB)
          throw conflict(`work order ${wo.id} has ${n} photos already (at most ${PHOTOS_PER_JOB})`);
      }
      const r = prepared(
        this.#db,
        `INSERT INTO work_order_attachments (work_order_id, kind, content_type, bytes, size, signed_by, created_by, created_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        wo.id,
        input.kind,
        input.contentType,
        input.bytes,
        input.bytes.length,
        input.kind === 'signature' ? input.signedBy!.trim() : null,
        actor,
        now,
      );
      // A new version, as for parts used: the record changed under anyone holding the old one.
      const workOrder = orders.patch(
        wo.id,
        {},
        {
          actor,
          nowMs: now,
          note:
            input.kind === 'signature'
              ? `signed by ${input.signedBy!.trim()}`
              : `photo added (${input.bytes.length} bytes)`,
        },
      );
      return { attachment: this.#attachment(Number(r.lastInsertRowid))!, workOrder };
    });
    this.#bus.emit('workOrder', kept.workOrder);
    return kept;
  }

  attachments(workOrderId: string): Attachment[] {
    return (
      prepared(this.#db, `SELECT ${COLUMNS} FROM work_order_attachments WHERE work_order_id = ? ORDER BY id`).all(
        workOrderId,
      ) as unknown as AttachmentRow[]
    ).map(toAttachment);
  }

  /** One attachment of the job with its bytes; 404 for another job's. */
  attachmentFile(workOrderId: string, attachmentId: number): Attachment & { bytes: Buffer } {
    const row = prepared(
      this.#db,
      `SELECT ${COLUMNS}, bytes FROM work_order_attachments WHERE work_order_id = ? AND id = ?`,
    ).get(workOrderId, attachmentId) as (AttachmentRow & { bytes: Uint8Array }) | undefined;
    if (!row) throw notFound(`attachment of ${workOrderId}`, String(attachmentId));
    return { ...toAttachment(row), bytes: Buffer.from(row.bytes) };
  }

  #attachment(id: number): Attachment | undefined {
    const row = prepared(this.#db, `SELECT ${COLUMNS} FROM work_order_attachments WHERE id = ?`).get(id) as
      | AttachmentRow
      | undefined;
    return row ? toAttachment(row) : undefined;
  }
}
