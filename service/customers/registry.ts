import type { SqlDb } from '../../sql/sql-db.ts';
import { memo } from '../../core/bounded-memo.ts';
import { checkTimeZone } from '../../core/i18n/format.ts';
import type { CatalogueStore } from '../catalogue/store.ts';
import { inTransaction, prepared } from '../db.ts';
import {
  badRequest,
  DEFAULT_SITE_TIME_ZONE,
  notFound,
  type ContractTier,
  type Customer,
  type DeviceInput,
  type DeviceRecord,
  type Site,
  type SiteInput,
} from '../types.ts';

/** A month of warranty (a device's default is its model's warrantyMonths): a twelfth of a 365-day year, so 24 months are 730 days. */
const MONTH_MS = (365 / 12) * 24 * 3600_000;
/** Devices whose model id is kept in memory before the memory starts afresh. */
const MODEL_OF_MEMO_LIMIT = 100_000;

interface DeviceRow {
  id: string;
  model_id: string;
  serial: string;
  site_id: string | null;
  site_name: string | null;
  city: string | null;
  lat: number | null;
  lon: number | null;
  customer_id: string | null;
  customer_name: string | null;
  time_zone: string | null;
  install_date_ms: number;
  warranty_end_ms: number;
  contract_tier: ContractTier;
}

const DEVICE_SELECT = `
  SELECT d.id, d.model_id, d.serial, d.site_id, s.name AS site_name, s.city, s.lat, s.lon,
         c.id AS customer_id, c.name AS customer_name, s.time_zone, d.install_date_ms, d.warranty_end_ms, d.contract_tier
  FROM devices d LEFT JOIN sites s ON s.id = d.site_id LEFT JOIN customers c ON c.id = s.customer_id`;

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    id: r.id,
    modelId: r.model_id,
    serial: r.serial,
    siteId: r.site_id,
    siteName: r.site_name,
    city: r.city,
    lat: r.lat,
    lon: r.lon,
    customerId: r.customer_id,
    customerName: r.customer_name,
    timeZone: r.time_zone,
    installDateMs: r.install_date_ms,
    warrantyEndMs: r.warranty_end_ms,
    contractTier: r.contract_tier,
  };
}

/** Customers, sites, device models and devices: who owns what, where, under which contract. */
export class Registry {
  readonly #db: SqlDb;
  readonly #nowMs: () => number;
  readonly #catalogue: CatalogueStore;
  readonly #modelOf = new Map<string, string | null>();

  constructor(db: SqlDb, nowMs: () => number, catalogue: CatalogueStore) {
    this.#db = db;
    this.#nowMs = nowMs;
    this.#catalogue = catalogue;
  }

  /** Whether the catalogue has this model (devices may only be of a model it has). */
  modelExists(id: string): boolean {
    return this.#catalogue.current(id) !== undefined;
  }

  /**
   * The model id of a device, or null when the registry does not know the device. Ingest asks
   * per message, so answers are kept in memory (bounded; see core/bounded-memo.ts), filled only
   * outside a transaction and forgotten for every device upsertDevices writes.
   */
  modelIdOf(deviceId: string): string | null {
    const known = this.#modelOf.get(deviceId);
    if (known !== undefined) return known;
    const row = prepared(this.#db, 'SELECT model_id FROM devices WHERE id = ?').get(deviceId) as
      | { model_id: string }
      | undefined;
    const modelId = row?.model_id ?? null;
    if (!this.#db.isTransaction) memo(this.#modelOf, deviceId, () => modelId, MODEL_OF_MEMO_LIMIT);
    return modelId;
  }

  /**
   * Fills the model-id memo with every device's model in one query (up to the memo's bound), at
   * start: otherwise each device's first message after a start asks for its own, one round trip
   * each (~0.3 ms through the PostgreSQL bridge, so ~6 s of a 19,000-device reconnect storm on
   * the main thread). Returns how many it holds.
   */
  warmModelMemo(): number {
    const rows = prepared(this.#db, 'SELECT id, model_id FROM devices ORDER BY id LIMIT ?').all(
      MODEL_OF_MEMO_LIMIT,
    ) as { id: string; model_id: string }[];
    for (const r of rows) this.#modelOf.set(r.id, r.model_id);
    return rows.length;
  }

  /** How many devices are of this model (a model in use cannot be deleted). */
  countDevicesOfModel(modelId: string): number {
    return (prepared(this.#db, 'SELECT COUNT(*) AS n FROM devices WHERE model_id = ?').get(modelId) as { n: number }).n;
  }

  upsertCustomer(c: { id: string; name: string; email?: string | null; phone?: string | null }): void {
    prepared(
      this.#db,
      `INSERT INTO customers (id, name, email, phone) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, phone = excluded.phone`,
    ).run(c.id, c.name, c.email ?? null, c.phone ?? null);
  }

  listCustomers(): Customer[] {
    return prepared(
      this.#db,
      'SELECT id, name, email, phone FROM customers ORDER BY id',
    ).all() as unknown as Customer[];
  }

  getCustomer(id: string): Customer | undefined {
    return prepared(this.#db, 'SELECT id, name, email, phone FROM customers WHERE id = ?').get(id) as
      | Customer
      | undefined;
  }

  /** Saves a site; a time zone left out keeps the stored one (a new site: DEFAULT_SITE_TIME_ZONE). */
  upsertSite(s: SiteInput): void {
    let timeZone: string | undefined;
    if (s.timeZone !== undefined) {
      const zone = checkTimeZone(s.timeZone);
      if (!zone.ok) throw badRequest(`timeZone: ${zone.reason}`);
      timeZone = zone.timeZone;
    }
    if (!prepared(this.#db, 'SELECT 1 FROM customers WHERE id = ?').get(s.customerId))
      throw notFound('customer', s.customerId);
    const stored = prepared(this.#db, 'SELECT time_zone FROM sites WHERE id = ?').get(s.id) as
      | { time_zone: string }
      | undefined;
    prepared(
      this.#db,
      `INSERT INTO sites (id, customer_id, name, city, lat, lon, time_zone) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, name = excluded.name, city = excluded.city,
        lat = excluded.lat, lon = excluded.lon, time_zone = excluded.time_zone`,
    ).run(s.id, s.customerId, s.name, s.city, s.lat, s.lon, timeZone ?? stored?.time_zone ?? DEFAULT_SITE_TIME_ZONE);
  }

  listSites(filter: { customerId?: string } = {}): Site[] {
    const select = 'SELECT id, customer_id AS customerId, name, city, lat, lon, time_zone AS timeZone FROM sites';
    const rows = filter.customerId
      ? prepared(this.#db, `${select} WHERE customer_id = ? ORDER BY id`).all(filter.customerId)
      : prepared(this.#db, `${select} ORDER BY id`).all();
    return rows as unknown as Site[];
  }

  getSite(id: string): Site | undefined {
    return prepared(
      this.#db,
      'SELECT id, customer_id AS customerId, name, city, lat, lon, time_zone AS timeZone FROM sites WHERE id = ?',
    ).get(id) as Site | undefined;
  }

  /**
   * Insert or update devices. Fields not given keep their stored value on update (the demo
   * fleet re-registers on every start and must not reset a provisioned device's site or
   * warranty), and get defaults on insert.
   */
  upsertDevices(devices: readonly DeviceInput[]): void {
    const db = this.#db;
    const now = this.#nowMs();
    const get = prepared(db, 'SELECT id FROM devices WHERE id = ?');
    const insert = prepared(
      db,
      `INSERT INTO devices (id, model_id, serial, site_id, install_date_ms, warranty_end_ms, contract_tier, created_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const update = prepared(
      db,
      `UPDATE devices SET model_id = ?, serial = COALESCE(?, serial), site_id = COALESCE(?, site_id),
      install_date_ms = COALESCE(?, install_date_ms), warranty_end_ms = COALESCE(?, warranty_end_ms),
      contract_tier = COALESCE(?, contract_tier) WHERE id = ?`,
    );
    const siteExists = prepared(db, 'SELECT 1 FROM sites WHERE id = ?');
    inTransaction(db, () => {
      for (const d of devices) {
        this.#modelOf.delete(d.deviceId);
        const model = this.#catalogue.current(d.modelId);
        if (!model) throw badRequest(`device '${d.deviceId}': unknown model '${d.modelId}'`);
        if (d.siteId && !siteExists.get(d.siteId))
          throw badRequest(`device '${d.deviceId}': unknown site '${d.siteId}'`);
        if (get.get(d.deviceId)) {
          update.run(
            d.modelId,
            d.serial ?? null,
            d.siteId ?? null,
            d.installDateMs ?? null,
            d.warrantyEndMs ?? null,
            d.contractTier ?? null,
            d.deviceId,
          );
        } else {
          const installed = d.installDateMs ?? now;
          insert.run(
            d.deviceId,
            d.modelId,
            d.serial ?? d.deviceId.toUpperCase(),
            d.siteId ?? null,
            installed,
            d.warrantyEndMs ?? Math.round(installed + model.warrantyMonths * MONTH_MS),
            d.contractTier ?? 'standard',
            now,
          );
        }
      }
    });
  }

  listDevices(filter: { modelId?: string; siteId?: string; customerId?: string } = {}): DeviceRecord[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.modelId) {
      where.push('d.model_id = ?');
      args.push(filter.modelId);
    }
    if (filter.siteId) {
      where.push('d.site_id = ?');
      args.push(filter.siteId);
    }
    if (filter.customerId) {
      where.push('s.customer_id = ?');
      args.push(filter.customerId);
    }
    const sql = `${DEVICE_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id`;
    return (prepared(this.#db, sql).all(...args) as unknown as DeviceRow[]).map(toDevice);
  }

  getDevice(id: string): DeviceRecord | undefined {
    const row = prepared(this.#db, `${DEVICE_SELECT} WHERE d.id = ?`).get(id) as DeviceRow | undefined;
    return row ? toDevice(row) : undefined;
  }
}
