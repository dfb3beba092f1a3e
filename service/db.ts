import { seedProductModels } from '../core/product-catalogue.ts';
import type { SqlDb, SqlStatement } from '../sql/sql-db.ts';
import { SqliteDb } from '../sql/sqlite-db.ts';
import { PostgresDb } from '../sql/postgres-db.ts';

/**
 * The service store: one SQLite file (node:sqlite, no native addon) owned by the service
 * domain alone. Schema changes are numbered migrations applied in order inside a transaction;
 * `PRAGMA user_version` records the last one applied, so opening an old file upgrades it.
 *
 * Times are epoch milliseconds (`*_ms`), locations WGS84 degrees, quantities whole units.
 */
const MIGRATION_1 = `
  CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT
  );
  CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    city TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL
  );
  CREATE TABLE device_models (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    machine_class TEXT NOT NULL,
    rated_max_temperature_c REAL NOT NULL
  );
  CREATE TABLE parts (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL
  );
  -- The spare part that fixes each failure mode of a model.
  CREATE TABLE model_parts (
    model_id TEXT NOT NULL REFERENCES device_models(id),
    mode TEXT NOT NULL,
    sku TEXT NOT NULL REFERENCES parts(sku),
    PRIMARY KEY (model_id, mode)
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES device_models(id),
    serial TEXT NOT NULL,
    site_id TEXT REFERENCES sites(id),
    install_date_ms INTEGER NOT NULL,
    warranty_end_ms INTEGER NOT NULL,
    contract_tier TEXT NOT NULL CHECK (contract_tier IN ('basic', 'standard', 'premium')),
    created_at_ms INTEGER NOT NULL
  );
  CREATE INDEX devices_model ON devices(model_id);
  CREATE TABLE depots (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL,
    lon REAL NOT NULL
  );
  CREATE TABLE technicians (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    home_lat REAL NOT NULL,
    home_lon REAL NOT NULL,
    depot_id TEXT REFERENCES depots(id),
    -- Working hours as minutes after local midnight, in the technician's UTC offset.
    shift_start_min INTEGER NOT NULL DEFAULT 480,
    shift_end_min INTEGER NOT NULL DEFAULT 1020,
    utc_offset_min INTEGER NOT NULL DEFAULT 420,
    -- Bit i set: works on weekday i (0 = Sunday). Default Monday to Saturday.
    work_days_mask INTEGER NOT NULL DEFAULT 126,
    max_open_jobs INTEGER NOT NULL DEFAULT 3 CHECK (max_open_jobs >= 0),
    active INTEGER NOT NULL DEFAULT 1
  );
  -- '*' in model_id or mode: any model / any failure mode.
  CREATE TABLE technician_skills (
    technician_id TEXT NOT NULL REFERENCES technicians(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (technician_id, model_id, mode)
  );
  CREATE TABLE inventory (
    depot_id TEXT NOT NULL REFERENCES depots(id),
    sku TEXT NOT NULL REFERENCES parts(sku),
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    reorder_point INTEGER NOT NULL DEFAULT 0,
    -- Time to get the part from this depot to a site, ms (courier/transfer), before distance.
    lead_time_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (depot_id, sku)
  );
  -- Every stock movement, for the stock-out KPI and an audit trail.
  CREATE TABLE stock_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    depot_id TEXT,
    sku TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    work_order_id TEXT
  );
  CREATE INDEX stock_events_at ON stock_events(at_ms);
  CREATE TABLE work_orders (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'medium',
    evidence_json TEXT NOT NULL,
    predicted_failure_at_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    technician_id TEXT,
    sla_respond_by_ms INTEGER,
    sla_resolve_by_ms INTEGER,
    assigned_at_ms INTEGER,
    on_site_at_ms INTEGER,
    resolved_at_ms INTEGER,
    cancelled_at_ms INTEGER,
    resolution_code TEXT,
    part_sku TEXT,
    part_depot_id TEXT,
    part_status TEXT NOT NULL DEFAULT 'none',
    part_lead_time_ms INTEGER,
    warranty_covered INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'analytics',
    note TEXT
  );
  -- One open work order per device and failure mode: a repeated dispatch is the same job.
  CREATE UNIQUE INDEX work_orders_one_open ON work_orders(device_id, mode)
    WHERE state NOT IN ('resolved', 'cancelled');
  CREATE INDEX work_orders_state ON work_orders(state);
  CREATE INDEX work_orders_created ON work_orders(created_at_ms);
  CREATE TABLE work_order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    note TEXT
  );
  CREATE INDEX work_order_events_wo ON work_order_events(work_order_id);
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- Comma-separated event names, or '*'.
    events TEXT NOT NULL DEFAULT '*',
    active INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL
  );
  -- The durable notification queue (webhooks and MQTT): a row lives until delivered.
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'mqtt')),
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER
  );
  CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at_ms);
  CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    at_ms INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    ok INTEGER NOT NULL
  );
  CREATE TABLE surveys (
    -- SHA-256 of the one-time token: a leaked database does not leak working links.
    token_hash TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    issued_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    answered_at_ms INTEGER,
    csat INTEGER CHECK (csat BETWEEN 1 AND 5),
    nps INTEGER CHECK (nps BETWEEN 0 AND 10),
    comment TEXT
  );
  CREATE UNIQUE INDEX surveys_wo ON surveys(work_order_id);
  `;

const MIGRATION_7_COMMON = `
  CREATE TABLE tracking_links (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    issued_at_ms INTEGER NOT NULL,
    -- The customer's word after the visit: the work is done, or it is not fixed.
    confirmation TEXT CHECK (confirmation IN ('done', 'not_fixed')),
    confirmed_at_ms INTEGER,
    UNIQUE (work_order_id, contact_id)
  );
  -- A job the customer reported: their own words, kept as they gave them.
  ALTER TABLE work_orders ADD COLUMN customer_report TEXT;
`;

type Step = string | ((db: SqlDb) => void);
/** A migration: the same for both backends, or a variant each where SQLite's way (rebuilding a table) is not PostgreSQL's. */
type Migration = Step | { sqlite: Step; postgres: Step };

const MIGRATIONS: readonly Migration[] = [
  // 1: the whole service network and the work-order lifecycle. On PostgreSQL also the sequence
  // work order numbers come from (two workers opening jobs at once must not pick the same one).
  // And SUM over a condition (SUM(state = 'resolved')), which SQLite adds up as 1/0: the KPIs
  // count that way, so PostgreSQL gets the same aggregate over booleans.
  {
    sqlite: MIGRATION_1,
    postgres: `${MIGRATION_1}
  CREATE SEQUENCE work_order_number;
  CREATE FUNCTION purna_sum_bool(acc BIGINT, v BOOLEAN) RETURNS BIGINT LANGUAGE sql IMMUTABLE
    AS 'SELECT CASE WHEN v IS NULL THEN acc ELSE COALESCE(acc, 0) + v::int END';
  CREATE AGGREGATE sum(BOOLEAN) (SFUNC = purna_sum_bool, STYPE = BIGINT);`,
  },
  // 2: the dispatch plan behind an assignment (technician ETA, depots considered), so the
  // board can say why this technician and this depot.
  `
  ALTER TABLE work_orders ADD COLUMN technician_eta_ms INTEGER;
  ALTER TABLE work_orders ADD COLUMN plan_json TEXT;
  `,
  // 3: when an active job missed its SLA deadlines (set once by the SLA watch, at the deadline).
  `
  ALTER TABLE work_orders ADD COLUMN sla_respond_breached_at_ms INTEGER;
  ALTER TABLE work_orders ADD COLUMN sla_resolve_breached_at_ms INTEGER;
  `,
  // 4: each site's IANA time zone, for the times shown of its devices and jobs. Sites stored
  // before it were all on Java (the demo's), so WIB.
  `
  ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Jakarta';
  `,
  // 5: the product catalogue as data (issue 15); see catalogueAsData.
  catalogueAsData,
  // 6: the people at a customer who hear from Purna: per site, or customer-wide (site_id NULL).
  // Phones are E.164 and e-mail domains lower-case (checked in customers/contact-fields.ts), so
  // an inbound message finds its sender by equality. Quiet hours: minutes after midnight in the
  // time zone of the job's site.
  `
  CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    site_id TEXT REFERENCES sites(id),
    name TEXT NOT NULL,
    role TEXT,
    phone TEXT,
    email TEXT,
    preferred_channel TEXT NOT NULL CHECK (preferred_channel IN ('email', 'whatsapp', 'sms')),
    language TEXT NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    quiet_from_min INTEGER CHECK (quiet_from_min BETWEEN 0 AND 1439),
    quiet_to_min INTEGER CHECK (quiet_to_min BETWEEN 0 AND 1439),
    receives_notices INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL)
  );
  CREATE INDEX contacts_customer ON contacts(customer_id);
  CREATE INDEX contacts_phone ON contacts(phone);
  CREATE INDEX contacts_email ON contacts(email);
  `,
  // 7: notices to customers through the same outbox as webhooks: the delivery log gains the
  // e-mail, WhatsApp and SMS channels (SQLite cannot widen a CHECK, so the table is rebuilt with
  // its rows and ids) and what a customer message needs: the job and contact it is about (one
  // notice of a kind per job and contact, by a unique index), whether it may break quiet hours,
  // until when it is held for them, when it is no longer worth sending, and the provider's id.
  // And the tracking links: one per job and contact, the token derived from the id by a key that
  // is not in this file (see customers/tracking-links.ts), only its SHA-256 stored.
  // On PostgreSQL the CHECK is replaced and the columns added in place (a rebuild would need the
  // foreign keys to deliveries dropped first).
  {
    sqlite: `
  CREATE TABLE deliveries_v7 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'mqtt', 'email', 'whatsapp', 'sms')),
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER,
    work_order_id TEXT,
    contact_id TEXT,
    notice TEXT,
    urgent INTEGER NOT NULL DEFAULT 0,
    held_until_ms INTEGER,
    expires_at_ms INTEGER,
    provider_message_id TEXT
  );
  INSERT INTO deliveries_v7 (id, channel, target, event, event_id, payload, state, attempts, next_attempt_at_ms, last_status, last_error, created_at_ms, delivered_at_ms)
    SELECT id, channel, target, event, event_id, payload, state, attempts, next_attempt_at_ms, last_status, last_error, created_at_ms, delivered_at_ms FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_v7 RENAME TO deliveries;
  CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at_ms);
  CREATE INDEX deliveries_work_order ON deliveries(work_order_id) WHERE work_order_id IS NOT NULL;
  CREATE UNIQUE INDEX deliveries_notice_once ON deliveries(work_order_id, notice, contact_id) WHERE contact_id IS NOT NULL;
${MIGRATION_7_COMMON}`,
    postgres: `
  ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
  ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('webhook', 'mqtt', 'email', 'whatsapp', 'sms'));
  ALTER TABLE deliveries ADD COLUMN work_order_id TEXT, ADD COLUMN contact_id TEXT, ADD COLUMN notice TEXT,
    ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0, ADD COLUMN held_until_ms INTEGER, ADD COLUMN expires_at_ms INTEGER,
    ADD COLUMN provider_message_id TEXT;
  CREATE INDEX deliveries_work_order ON deliveries(work_order_id) WHERE work_order_id IS NOT NULL;
  CREATE UNIQUE INDEX deliveries_notice_once ON deliveries(work_order_id, notice, contact_id) WHERE contact_id IS NOT NULL;
${MIGRATION_7_COMMON}`,
  },
  // 8: the customer's side of a job (issue 17): the rating given on the tracking page (kept on
  // the link: every contact may give one; the first also answers the job's survey), the
  // planner's follow-up tasks (a low rating, "not fixed", a message nobody could place), and the
  // messages customers send in (e-mail, WhatsApp), each once by the provider's message id.
  `
  ALTER TABLE tracking_links ADD COLUMN csat INTEGER CHECK (csat BETWEEN 1 AND 5);
  ALTER TABLE tracking_links ADD COLUMN nps INTEGER CHECK (nps BETWEEN 0 AND 10);
  ALTER TABLE tracking_links ADD COLUMN comment TEXT;
  CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT REFERENCES work_orders(id),
    customer_id TEXT REFERENCES customers(id),
    contact_id TEXT REFERENCES contacts(id),
    reason TEXT NOT NULL CHECK (reason IN ('low_rating', 'not_fixed', 'unplaced_message')),
    csat INTEGER,
    nps INTEGER,
    comment TEXT,
    created_at_ms INTEGER NOT NULL,
    done_at_ms INTEGER,
    done_by TEXT,
    done_note TEXT
  );
  CREATE INDEX follow_ups_open ON follow_ups(done_at_ms, created_at_ms);
  CREATE INDEX follow_ups_work_order ON follow_ups(work_order_id);
  CREATE TABLE inbound_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'whatsapp')),
    provider_message_id TEXT NOT NULL,
    from_address TEXT NOT NULL,
    from_name TEXT,
    subject TEXT,
    text TEXT NOT NULL,
    contact_id TEXT REFERENCES contacts(id),
    customer_id TEXT REFERENCES customers(id),
    work_order_id TEXT REFERENCES work_orders(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('attached', 'opened', 'unplaced', 'unknown_sender')),
    received_at_ms INTEGER NOT NULL,
    UNIQUE (channel, provider_message_id)
  );
  CREATE INDEX inbound_customer ON inbound_messages(customer_id, received_at_ms);
  CREATE INDEX inbound_work_order ON inbound_messages(work_order_id);
  `,
  // 9: job types (issue 19): a work order is a predicted failure, a customer's report, an
  // installation, planned maintenance or an inspection (core/job-types.ts); jobs opened by a
  // person before were the customer's reports. Each job's checklist, copied from the catalogue
  // when it opens (a later catalogue edit does not change a job under way), per device: one
  // maintenance visit covers several. A reading item keeps its range and the value recorded.
  `
  ALTER TABLE work_orders ADD COLUMN job_type TEXT NOT NULL DEFAULT 'predicted_failure';
  UPDATE work_orders SET job_type = 'customer_reported' WHERE source IN ('planner', 'customer');
  CREATE INDEX work_orders_job_type ON work_orders(job_type, created_at_ms);
  CREATE TABLE work_order_checklist (
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    device_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    metric TEXT,
    min_value REAL,
    max_value REAL,
    required INTEGER NOT NULL,
    done_at_ms INTEGER,
    done_by TEXT,
    value REAL,
    note TEXT,
    PRIMARY KEY (work_order_id, device_id, item_id)
  );
  `,
  // 10: installation and commissioning (issue 19): a device installed through Purna has its
  // commissioning job; its warranty starts when that job resolves, with the acceptance readings
  // the checklist recorded kept here (what analytics' baseline started from).
  `
  CREATE TABLE installations (
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    requested_at_ms INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    commissioned_at_ms INTEGER,
    acceptance_json TEXT
  );
  `,
  // 11: the right part and skill (issue 15). A technician's repair skills are the catalogue's words
  // (mechanical-seal, bearings, electrical), beside the models and modes they may be sent to; a
  // job reserves every part its failure mode names, each in its quantity and at its own depot
  // (work_orders' part_* columns stay the job's summary: the first part, the status of them all).
  // A job from before has no rows here: its one part is read from those columns.
  `
  CREATE TABLE technician_skill_tags (
    technician_id TEXT NOT NULL REFERENCES technicians(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (technician_id, tag)
  );
  CREATE TABLE work_order_parts (
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    status TEXT NOT NULL CHECK (status IN ('reserved', 'backorder', 'consumed', 'released')),
    depot_id TEXT,
    lead_time_ms INTEGER,
    PRIMARY KEY (work_order_id, sku)
  );
  `,
  // 12: maintenance plans (issue 19, item 3): per model and per device (an override), by
  // calendar days and/or running hours; each device's running time as counted from analytics'
  // running state; when each device was last serviced; and the maintenance each visit carries
  // (one visit covers a site's due devices, or rides on a repair already planned there).
  `
  CREATE TABLE maintenance_plans (
    id TEXT PRIMARY KEY,
    model_id TEXT,
    device_id TEXT REFERENCES devices(id),
    interval_days INTEGER CHECK (interval_days > 0),
    interval_running_hours INTEGER CHECK (interval_running_hours > 0),
    lead_days INTEGER NOT NULL CHECK (lead_days >= 0),
    lead_running_hours INTEGER CHECK (lead_running_hours >= 0),
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    CHECK ((model_id IS NULL) != (device_id IS NULL)),
    CHECK (interval_days IS NOT NULL OR interval_running_hours IS NOT NULL)
  );
  CREATE UNIQUE INDEX maintenance_plans_model ON maintenance_plans(model_id) WHERE model_id IS NOT NULL;
  CREATE UNIQUE INDEX maintenance_plans_device ON maintenance_plans(device_id) WHERE device_id IS NOT NULL;
  CREATE TABLE running_hours (
    device_id TEXT PRIMARY KEY,
    running_ms INTEGER NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    last_running INTEGER NOT NULL
  );
  CREATE TABLE maintenance_services (
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    done_at_ms INTEGER NOT NULL,
    done_running_ms INTEGER NOT NULL,
    work_order_id TEXT REFERENCES work_orders(id)
  );
  CREATE TABLE maintenance_items (
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    due_at_ms INTEGER,
    due_running_ms INTEGER,
    reason TEXT NOT NULL CHECK (reason IN ('calendar', 'running_hours')),
    merged INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    done_at_ms INTEGER,
    done_running_ms INTEGER,
    PRIMARY KEY (work_order_id, device_id)
  );
  CREATE INDEX maintenance_items_device ON maintenance_items(device_id);
  `,
  // 13: warranty and contract terms, prices and quotes (issue 19, items 4 and 5). Terms per model
  // ('*': any) and tier ('warranty': the manufacturer's; basic/standard/premium: service
  // contracts): the period, whether parts and labour are covered, the resolution codes excluded.
  // Part prices and labour rates in whole rupiah; quotes for work the customer pays, one pending
  // per job, its lines as JSON (their amounts whole rupiah), the total an INTEGER; the amount the
  // customer approved on the job. Warranty claims with their amounts and status, and the
  // reminders sent before a warranty or contract ends (once per device, kind and end date).
  `
  CREATE TABLE coverage_terms (
    model_id TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('warranty', 'basic', 'standard', 'premium')),
    period_months INTEGER NOT NULL CHECK (period_months >= 0),
    parts_covered INTEGER NOT NULL,
    labour_covered INTEGER NOT NULL,
    exclusions_json TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (model_id, tier)
  );
  CREATE TABLE part_prices (
    sku TEXT PRIMARY KEY,
    price_idr INTEGER NOT NULL CHECK (price_idr >= 0),
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
  );
  CREATE TABLE labour_rates (
    skill TEXT PRIMARY KEY,
    rate_idr_per_hour INTEGER NOT NULL CHECK (rate_idr_per_hour >= 0),
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
  );
  CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
    coverage TEXT NOT NULL,
    lines_json TEXT NOT NULL,
    total_idr INTEGER NOT NULL CHECK (total_idr >= 0),
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    decided_by TEXT,
    decided_via TEXT CHECK (decided_via IN ('tracking', 'phone', 'api')),
    decided_at_ms INTEGER,
    decision_note TEXT
  );
  CREATE UNIQUE INDEX quotes_one_pending ON quotes(work_order_id) WHERE status = 'pending';
  CREATE INDEX quotes_work_order ON quotes(work_order_id);
  ALTER TABLE work_orders ADD COLUMN approved_amount_idr INTEGER;
  CREATE TABLE warranty_claims (
    id TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL UNIQUE REFERENCES work_orders(id),
    device_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    coverage TEXT NOT NULL CHECK (coverage IN ('warranty', 'contract')),
    cause TEXT NOT NULL,
    labour_minutes INTEGER NOT NULL CHECK (labour_minutes >= 0),
    parts_json TEXT NOT NULL,
    parts_idr INTEGER NOT NULL CHECK (parts_idr >= 0),
    labour_idr INTEGER NOT NULL CHECK (labour_idr >= 0),
    total_idr INTEGER NOT NULL CHECK (total_idr >= 0),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    decided_by TEXT,
    decided_at_ms INTEGER,
    decision_note TEXT
  );
  CREATE INDEX warranty_claims_status ON warranty_claims(status, created_at_ms);
  CREATE TABLE coverage_reminders (
    device_id TEXT NOT NULL REFERENCES devices(id),
    kind TEXT NOT NULL CHECK (kind IN ('warranty', 'contract')),
    ends_at_ms INTEGER NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, kind, ends_at_ms)
  );
  `,
  // 14: what a technician brings back from a job (issue 18, item 5): the photo and the customer's
  // signature, kept with the work order in this file (a few hundred KB each, capped by the route;
  // one backup holds them with the job) and served only to those who may read the job.
  `CREATE TABLE work_order_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'signature')),
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    size INTEGER NOT NULL,
    signed_by TEXT,
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE INDEX work_order_attachments_job ON work_order_attachments (work_order_id, id);`,
  // 15: the newest lease revision each analytics partition dispatched under (issue 20, fencing;
  // work-orders/fences.ts): a dispatch carrying an older one comes from a worker that lost the
  // partition and is refused in the same transaction that would open its job.
  `CREATE TABLE dispatch_fences (
    partition_no INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL,
    worker_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL
  );`,
];

/**
 * The product models become the catalogue's data: `device_models` keeps each model's current
 * version as a whole (the spec as JSON: metrics, failure modes with their parts, ranges …, which
 * differ from model to model), `device_model_versions` every version ever saved with who and
 * when. `model_parts` goes: a model's parts are in its spec. A file from before holds the three
 * built-in models (they were mirrored from code on every start): they become version 1 of the
 * catalogue, as seeded. Work orders record the model version they were judged by.
 */
function catalogueAsData(db: SqlDb): void {
  const nowMs = Date.now();
  const existing = (db.prepare('SELECT id FROM device_models ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  // PostgreSQL checks foreign keys always: devices' reference to the old table goes with it
  // (CASCADE) and is added again to the new one below, as SQLite's by-name reference does itself.
  const pg = db.dialect === 'postgres';
  db.exec(`
  DROP TABLE model_parts;
  DROP TABLE device_models${pg ? ' CASCADE' : ''};
  CREATE TABLE device_models (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    spec_json TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
  );
  -- Every version of every model, the current one included; a deletion is a version too (the
  -- last spec, who deleted it and when), so a work order's (model, version) always resolves.
  CREATE TABLE device_model_versions (
    model_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
    spec_json TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (model_id, version)
  );
  ALTER TABLE work_orders ADD COLUMN model_id TEXT;
  ALTER TABLE work_orders ADD COLUMN model_version INTEGER;
  `);
  if (pg) db.exec('ALTER TABLE devices ADD FOREIGN KEY (model_id) REFERENCES device_models(id)');
  const seeds = new Map(seedProductModels().map((m) => [m.id, m]));
  const insert = db.prepare(
    'INSERT INTO device_models (id, name, kind, version, spec_json, updated_by, updated_at_ms) VALUES (?, ?, ?, 1, ?, ?, ?)',
  );
  const history = db.prepare(
    `INSERT INTO device_model_versions (model_id, version, change, spec_json, updated_by, updated_at_ms) VALUES (?, 1, 'created', ?, ?, ?)`,
  );
  for (const id of existing) {
    const m = seeds.get(id);
    if (!m)
      throw new Error(
        `service store: device model '${id}' is not a built-in model; cannot migrate it to the catalogue`,
      );
    const spec = JSON.stringify(m);
    insert.run(m.id, m.name, m.kind, spec, 'system:seed', nowMs);
    history.run(m.id, spec, 'system:seed', nowMs);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens the service store, migrations applied: PostgreSQL when `databaseUrl` is given
 * (DATABASE_URL), else the SQLite file at `path`.
 */
export function openServiceDb(path: string, databaseUrl?: string): SqlDb {
  if (databaseUrl) {
    const db = new PostgresDb(databaseUrl);
    try {
      migratePostgres(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  }
  const db = new SqliteDb(path);
  // WAL: readers (dashboard, KPIs) never block the writer; busy_timeout: a second process on
  // the same file waits for the lock instead of failing at once.
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
  `);
  migrate(db);
  return db;
}

function stepOf(m: Migration, db: SqlDb): Step {
  return typeof m === 'object' ? m[db.dialect] : m;
}

/**
 * Applies the migrations not yet applied, each in its own transaction. Foreign keys are off while
 * they run and checked whole before each commit (SQLite's procedure for rebuilding a table that
 * others reference: with them on, dropping the old table would fail or cascade). `upTo` stops
 * earlier: the tests build a file as an older Purna left it.
 */
export function migrate(db: SqlDb, upTo = MIGRATIONS.length): void {
  if (db.dialect === 'postgres') return migratePostgres(db, upTo);
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (current >= upTo) return;
  db.exec('PRAGMA foreign_keys = OFF');
  try {
    for (let v = current; v < upTo; v++) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const step = stepOf(MIGRATIONS[v], db);
        if (typeof step === 'string') db.exec(step);
        else step(db);
        const broken = db.prepare('PRAGMA foreign_key_check').all();
        if (broken.length > 0)
          throw new Error(
            `service store migration ${v + 1} leaves ${broken.length} rows pointing nowhere: ${JSON.stringify(broken.slice(0, 3))}`,
          );
        db.exec(`PRAGMA user_version = ${v + 1}`);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    }
  } finally {
    db.exec('PRAGMA foreign_keys = ON');
  }
}

/** pg_advisory_xact_lock key of the service store's migrations (any constant; 'purna-svc' in hex). */
const MIGRATION_LOCK = 0x7075726e61737663n;

/**
 * PostgreSQL: the same numbered list, each applied in its own transaction and recorded in
 * `schema_migrations`. Every transaction first takes a transaction-scoped advisory lock, so of
 * workers starting together one applies a migration and the others, once it commits, see it
 * recorded and skip it.
 */
function migratePostgres(db: SqlDb, upTo = MIGRATIONS.length): void {
  const locked = (fn: () => void) =>
    inTransaction(db, () => {
      db.prepare(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`).get();
      fn();
    });
  locked(() =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
    ),
  );
  const applied = db.prepare('SELECT 1 AS done FROM schema_migrations WHERE version = ?');
  for (let v = 0; v < upTo; v++) {
    if (applied.get(v + 1)) continue;
    locked(() => {
      if (applied.get(v + 1)) return; // another worker applied it while this one waited for the lock
      const step = stepOf(MIGRATIONS[v], db);
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)').run(v + 1, Date.now());
    });
  }
}

/**
 * Inside a transaction: waits until no other connection is in a transaction that called it with
 * the same `key`, and holds that until this one ends. For a check-then-write at start-up that two
 * workers must not both do (seeding). SQLite's IMMEDIATE transaction already holds the one write
 * lock; PostgreSQL takes a transaction-scoped advisory lock on the key's hash.
 */
export function oneAtATime(db: SqlDb, key: string): void {
  if (!db.isTransaction) throw new Error('oneAtATime must run inside a transaction');
  if (db.dialect === 'postgres') prepared(db, 'SELECT pg_advisory_xact_lock(hashtext(?)) AS locked').get(key);
}

/** Runs fn in one IMMEDIATE transaction (takes the write lock first, so no upgrade deadlock). */
export function inTransaction<T>(db: SqlDb, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

const statementCaches = new WeakMap<SqlDb, Map<string, SqlStatement>>();

/**
 * Prepares `sql` once per connection and reuses the statement: preparing costs more than
 * running a point query, and some lookups (a device's model, per telemetry sample) are hot.
 */
/** Constant strings (states, kinds) as an SQL list: `'a', 'b'`. Only for constants, never for input. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

export function prepared(db: SqlDb, sql: string): SqlStatement {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
