import type { SqlDb } from '../../sql/sql-db.ts';
import type { Language } from '../../core/i18n/index.ts';
import { prepared } from '../db.ts';
import { notFound, type Contact, type CustomerChannel } from '../types.ts';
import {
  checkContact,
  ContactFieldError,
  quietHoursOf,
  type CheckedContact,
  type ContactInput,
} from './contact-fields.ts';

interface ContactRow {
  id: string;
  customer_id: string;
  site_id: string | null;
  name: string;
  role: string | null;
  phone: string | null;
  email: string | null;
  preferred_channel: CustomerChannel;
  language: Language;
  quiet_from_min: number | null;
  quiet_to_min: number | null;
  receives_notices: number;
  active: number;
  created_at_ms: number;
  updated_at_ms: number;
}

/** A contact with its quiet hours in minutes, for the notice planner (the API shows HH:MM). */
export interface ContactRecord extends Contact {
  quietFromMin: number | null;
  quietToMin: number | null;
}

function toContact(r: ContactRow): ContactRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    siteId: r.site_id,
    name: r.name,
    role: r.role,
    phone: r.phone,
    email: r.email,
    preferredChannel: r.preferred_channel,
    language: r.language,
    quietHours: quietHoursOf(r.quiet_from_min, r.quiet_to_min),
    quietFromMin: r.quiet_from_min,
    quietToMin: r.quiet_to_min,
    receivesNotices: r.receives_notices === 1,
    active: r.active === 1,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

/** The API's view of a contact: quiet hours as HH:MM only. */
export function publicContact(c: ContactRecord): Contact {
  const { quietFromMin: _from, quietToMin: _to, ...rest } = c;
  return rest;
}

/**
 * The people at each customer Purna talks to. A contact belongs to a customer and optionally to
 * one of its sites; the jobs at a site are told to that site's contacts and to the
 * customer-wide ones. Removing a contact deactivates it: the messages already exchanged with
 * them stay on the customer's record under their name.
 */
export class Contacts {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /**
   * Checks the fields and the references (customer, a site of that customer) and returns the
   * contact as it would be stored; throws ContactFieldError (400) naming the field.
   */
  check(input: ContactInput): CheckedContact {
    const c = checkContact(input);
    if (!prepared(this.#db, 'SELECT 1 FROM customers WHERE id = ?').get(c.customerId))
      throw new ContactFieldError('customerId', `unknown customer '${c.customerId}'`);
    if (c.siteId) {
      const site = prepared(this.#db, 'SELECT customer_id FROM sites WHERE id = ?').get(c.siteId) as
        | { customer_id: string }
        | undefined;
      if (!site) throw new ContactFieldError('siteId', `unknown site '${c.siteId}'`);
      if (site.customer_id !== c.customerId)
        throw new ContactFieldError(
          'siteId',
          `site '${c.siteId}' belongs to customer '${site.customer_id}', not '${c.customerId}'`,
        );
    }
    return c;
  }

  /** Creates or replaces a contact (and re-activates a removed one). The caller has run check(). */
  save(id: string, c: CheckedContact, nowMs: number): ContactRecord {
    prepared(
      this.#db,
      `INSERT INTO contacts (id, customer_id, site_id, name, role, phone, email, preferred_channel, language,
        quiet_from_min, quiet_to_min, receives_notices, active, created_at_ms, updated_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
      ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, site_id = excluded.site_id, name = excluded.name,
        role = excluded.role, phone = excluded.phone, email = excluded.email, preferred_channel = excluded.preferred_channel,
        language = excluded.language, quiet_from_min = excluded.quiet_from_min, quiet_to_min = excluded.quiet_to_min,
        receives_notices = excluded.receives_notices, active = 1, updated_at_ms = excluded.updated_at_ms`,
    ).run(
      id,
      c.customerId,
      c.siteId,
      c.name,
      c.role,
      c.phone,
      c.email,
      c.preferredChannel,
      c.language,
      c.quietFromMin,
      c.quietToMin,
      c.receivesNotices ? 1 : 0,
      nowMs,
      nowMs,
    );
    return this.get(id)!;
  }

  get(id: string): ContactRecord | undefined {
    const r = prepared(this.#db, 'SELECT * FROM contacts WHERE id = ?').get(id) as ContactRow | undefined;
    return r ? toContact(r) : undefined;
  }

  require(id: string): ContactRecord {
    const c = this.get(id);
    if (!c) throw notFound('contact', id);
    return c;
  }

  /** A customer's contacts, site contacts and customer-wide ones; removed ones only when asked. */
  listForCustomer(customerId: string, opts: { includeRemoved?: boolean } = {}): ContactRecord[] {
    const rows = prepared(
      this.#db,
      `SELECT * FROM contacts WHERE customer_id = ? ${opts.includeRemoved ? '' : 'AND active = 1'} ORDER BY site_id IS NOT NULL, site_id, name, id`,
    ).all(customerId) as unknown as ContactRow[];
    return rows.map(toContact);
  }

  /** Who hears about a job at `siteId`: its active contacts who take notices, and the customer-wide ones. */
  recipientsForSite(siteId: string): ContactRecord[] {
    const rows = prepared(
      this.#db,
      `SELECT c.* FROM contacts c JOIN sites s ON s.customer_id = c.customer_id
        WHERE s.id = ? AND c.active = 1 AND c.receives_notices = 1 AND (c.site_id = s.id OR c.site_id IS NULL)
        ORDER BY c.site_id IS NULL, c.id`,
    ).all(siteId) as unknown as ContactRow[];
    return rows.map(toContact);
  }

  /** The active contacts with this address (E.164 phone, or e-mail compared without case). */
  findByAddress(address: { phone?: string; email?: string }): ContactRecord[] {
    const rows = address.phone
      ? prepared(this.#db, 'SELECT * FROM contacts WHERE phone = ? AND active = 1 ORDER BY id').all(address.phone)
      : prepared(this.#db, 'SELECT * FROM contacts WHERE lower(email) = lower(?) AND active = 1 ORDER BY id').all(
          address.email ?? '',
        );
    return (rows as unknown as ContactRow[]).map(toContact);
  }

  /** Removes a contact from the customer's active list (404 when unknown). */
  deactivate(id: string, nowMs: number): void {
    const r = prepared(this.#db, 'UPDATE contacts SET active = 0, updated_at_ms = ? WHERE id = ?').run(nowMs, id);
    if (r.changes === 0) throw notFound('contact', id);
  }
}
