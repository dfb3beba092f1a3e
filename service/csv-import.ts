// CSV import of devices, technicians, inventory and customer contacts.
//
// Policy: all or nothing. Every row is validated first and every bad row is reported with its
// line number; if any row is bad, nothing is written. Why: a fleet or stock list half-imported
// leaves the planner guessing which rows made it, and a device missing from the registry is
// dispatched under default terms. Imports are idempotent upserts, so the fix is to correct the
// file and import it again. The writes run in one transaction, so a failure in the middle
// (a constraint the validation did not foresee) rolls back the rows already written too.

import { isPlannedJob } from '../core/job-types.ts';
import type { SqlDb } from '../sql/sql-db.ts';
import { inTransaction } from './db.ts';
import type { Network } from './network/store.ts';
import { ContactFieldError } from './customers/contact-fields.ts';
import type { Contacts } from './customers/contacts.ts';
import type { CatalogueStore } from './catalogue/store.ts';
import type { Registry } from './customers/registry.ts';
import {
  CUSTOMER_CHANNELS,
  type ContractTier,
  type CustomerChannel,
  type DeviceInput,
  type TechnicianSkill,
} from './types.ts';
import type { TechnicianInput, InventoryInput } from './network/store.ts';

export type ImportKind = 'devices' | 'technicians' | 'inventory' | 'contacts';

export interface ImportResult {
  kind: ImportKind;
  /** Data rows in the file (header excluded). */
  rows: number;
  imported: number;
  /** True when the rows were written; false when any row was bad and nothing was. */
  committed: boolean;
  errors: { line: number; message: string }[];
}

/** RFC 4180 records with the physical line each starts on (quoted fields may span lines). */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // Excel's UTF-8 BOM
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') inQuotes = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') out.push({ line: recordLine, fields });
      fields = [];
      field = '';
      line++;
      recordLine = line;
    } else field += c;
  }
  if (field !== '' || fields.length) {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') out.push({ line: recordLine, fields });
  }
  return out;
}

export const CSV_COLUMNS: Record<ImportKind, { required: string[]; optional: string[] }> = {
  devices: {
    required: ['deviceId', 'modelId'],
    optional: ['serial', 'siteId', 'installDate', 'warrantyEnd', 'contractTier'],
  },
  technicians: {
    required: ['id', 'name', 'homeLat', 'homeLon', 'skills'],
    optional: [
      'phone',
      'email',
      'depotId',
      'shiftStart',
      'shiftEnd',
      'workDays',
      'maxOpenJobs',
      'utcOffsetMinutes',
      'skillTags',
    ],
  },
  inventory: { required: ['depotId', 'sku', 'onHand'], optional: ['reorderPoint', 'leadTimeHours'] },
  contacts: {
    required: ['id', 'customerId', 'name'],
    optional: [
      'siteId',
      'role',
      'phone',
      'email',
      'preferredChannel',
      'language',
      'quietFrom',
      'quietTo',
      'receivesNotices',
    ],
  },
};

class RowError extends Error {}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function num(v: string, name: string, min = -Infinity, max = Infinity, integer = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new RowError(
      `${name} must be ${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}, got '${v}'`,
    );
  }
  return n;
}

function date(v: string, name: string): number {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new RowError(`${name} must be a date (YYYY-MM-DD) or epoch ms, got '${v}'`);
  return ms;
}

function hhmm(v: string, name: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(v);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new RowError(`${name} must be HH:MM, got '${v}'`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** 'Mon-Sat', 'Mon,Wed,Fri' or 'Sun-Sat' → weekday bit mask (bit 0 = Sunday). */
function workDays(v: string): number {
  let mask = 0;
  for (const part of v
    .toLowerCase()
    .split(/[;,\s]+/)
    .filter(Boolean)) {
    const [a, b] = part.split('-');
    const from = DAYS.indexOf(a.slice(0, 3));
    const to = b === undefined ? from : DAYS.indexOf(b.slice(0, 3));
    if (from < 0 || to < 0) throw new RowError(`workDays must look like 'Mon-Sat' or 'Mon,Wed,Fri', got '${v}'`);
    for (let d = from; ; d = (d + 1) % 7) {
      mask |= 1 << d;
      if (d === to) break;
    }
  }
  return mask;
}

/** 'pump-p200:*;motor-m15:bearing_wear' → skills. */
function skills(v: string, catalogue: CatalogueStore): TechnicianSkill[] {
  const out: TechnicianSkill[] = [];
  for (const s of v
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [modelId, mode = '*'] = s.split(':');
    if (modelId !== '*' && !catalogue.current(modelId)) throw new RowError(`skills: unknown model '${modelId}'`);
    // A mode of that model (of any model, for '*'): the catalogue's modes, not a fixed list.
    const wrongMode = mode === '*' || isPlannedJob(mode) ? null : catalogue.modeProblem(modelId, mode);
    if (wrongMode) throw new RowError(`skills: unknown failure mode: ${wrongMode}`);
    out.push({ modelId, mode });
  }
  if (!out.length) throw new RowError('skills must list at least one model:mode (e.g. pump-p200:*)');
  return out;
}

function yesNo(v: string, name: string): boolean {
  const b = v.toLowerCase();
  if (['yes', 'true', '1', 'ya'].includes(b)) return true;
  if (['no', 'false', '0', 'tidak'].includes(b)) return false;
  throw new RowError(`${name} must be yes or no, got '${v}'`);
}

export function importCsv(
  kind: ImportKind,
  text: string,
  deps: { db: SqlDb; catalogue: CatalogueStore; registry: Registry; network: Network; contacts: Contacts },
  nowMs: number,
): ImportResult {
  const records = parseCsv(text);
  const result: ImportResult = {
    kind,
    rows: Math.max(0, records.length - 1),
    imported: 0,
    committed: false,
    errors: [],
  };
  if (!records.length) {
    result.errors.push({ line: 1, message: 'empty file: expected a header line' });
    return result;
  }
  const header = records[0].fields.map((h) => h.trim());
  const cols = CSV_COLUMNS[kind];
  const missing = cols.required.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !cols.required.includes(h) && !cols.optional.includes(h));
  if (missing.length || unknown.length) {
    result.errors.push({
      line: records[0].line,
      message: `${[
        missing.length ? `missing column(s) ${missing.join(', ')}` : '',
        unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')} (expected ${[...cols.required, ...cols.optional].join(', ')})`,
    });
    return result;
  }

  const { catalogue, registry, network, contacts } = deps;
  const seen = new Set<string>();
  const siteIds = new Set(registry.listSites().map((s) => s.id));
  const writes: { line: number; write: () => void }[] = [];
  for (const rec of records.slice(1)) {
    try {
      if (rec.fields.length !== header.length)
        throw new RowError(`expected ${header.length} fields, got ${rec.fields.length}`);
      const row: Record<string, string> = Object.fromEntries(header.map((h, i) => [h, rec.fields[i].trim()]));
      for (const c of cols.required) if (!row[c]) throw new RowError(`${c} is required`);
      const opt = (c: string) => (row[c] ? row[c] : undefined);
      let key: string;
      let write: () => void;
      if (kind === 'devices') {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(row.deviceId))
          throw new RowError(`deviceId '${row.deviceId}' is not a valid device id`);
        if (!registry.modelExists(row.modelId)) throw new RowError(`unknown model '${row.modelId}'`);
        const tier = opt('contractTier');
        if (tier && !['basic', 'standard', 'premium'].includes(tier))
          throw new RowError(`contractTier must be basic, standard or premium, got '${tier}'`);
        const siteId = opt('siteId');
        if (siteId && !siteIds.has(siteId)) throw new RowError(`unknown site '${siteId}'`);
        const d: DeviceInput = {
          deviceId: row.deviceId,
          modelId: row.modelId,
          serial: opt('serial'),
          siteId,
          installDateMs: opt('installDate') ? date(row.installDate, 'installDate') : undefined,
          warrantyEndMs: opt('warrantyEnd') ? date(row.warrantyEnd, 'warrantyEnd') : undefined,
          contractTier: tier as ContractTier | undefined,
        };
        key = d.deviceId;
        write = () => registry.upsertDevices([d]);
      } else if (kind === 'technicians') {
        const depotId = opt('depotId');
        if (depotId && !network.depotExists(depotId)) throw new RowError(`unknown depot '${depotId}'`);
        const t: TechnicianInput = {
          id: row.id,
          name: row.name,
          phone: opt('phone') ?? null,
          email: opt('email') ?? null,
          homeLat: num(row.homeLat, 'homeLat', -90, 90),
          homeLon: num(row.homeLon, 'homeLon', -180, 180),
          depotId: depotId ?? null,
          shiftStartMin: opt('shiftStart') ? hhmm(row.shiftStart, 'shiftStart') : undefined,
          shiftEndMin: opt('shiftEnd') ? hhmm(row.shiftEnd, 'shiftEnd') : undefined,
          workDaysMask: opt('workDays') ? workDays(row.workDays) : undefined,
          maxOpenJobs: opt('maxOpenJobs') ? num(row.maxOpenJobs, 'maxOpenJobs', 0, 100, true) : undefined,
          utcOffsetMin: opt('utcOffsetMinutes')
            ? num(row.utcOffsetMinutes, 'utcOffsetMinutes', -720, 840, true)
            : undefined,
          skills: skills(row.skills, catalogue),
          // 'mechanical-seal;bearings': the catalogue's repair skills; an empty cell keeps the stored ones.
          skillTags: opt('skillTags')
            ?.split(';')
            .map((x) => x.trim())
            .filter(Boolean),
        };
        key = t.id;
        write = () => network.upsertTechnician(t);
      } else if (kind === 'contacts') {
        const channel = opt('preferredChannel');
        if (channel && !CUSTOMER_CHANNELS.includes(channel as CustomerChannel))
          throw new RowError(`preferredChannel must be one of ${CUSTOMER_CHANNELS.join(', ')}, got '${channel}'`);
        const from = opt('quietFrom');
        const to = opt('quietTo');
        if (Boolean(from) !== Boolean(to))
          throw new RowError('quietFrom and quietTo go together: give both or neither');
        let checked;
        try {
          // The same checks as the API (E.164 phone, strict e-mail, the channel's address present).
          checked = contacts.check({
            customerId: row.customerId,
            siteId: opt('siteId') ?? null,
            name: row.name,
            role: opt('role') ?? null,
            phone: opt('phone') ?? null,
            email: opt('email') ?? null,
            preferredChannel: channel as CustomerChannel | undefined,
            language: opt('language'),
            quietHours: from && to ? { from, to } : null,
            receivesNotices: opt('receivesNotices') ? yesNo(row.receivesNotices, 'receivesNotices') : undefined,
          });
        } catch (err) {
          if (err instanceof ContactFieldError) throw new RowError(err.message);
          throw err;
        }
        const contact = checked;
        key = row.id;
        write = () => contacts.save(row.id, contact, nowMs);
      } else {
        if (!network.depotExists(row.depotId)) throw new RowError(`unknown depot '${row.depotId}'`);
        const i: InventoryInput = {
          depotId: row.depotId,
          sku: row.sku,
          onHand: num(row.onHand, 'onHand', 0, 1e9, true),
          reorderPoint: opt('reorderPoint') ? num(row.reorderPoint, 'reorderPoint', 0, 1e9, true) : undefined,
          leadTimeMs: opt('leadTimeHours')
            ? Math.round(num(row.leadTimeHours, 'leadTimeHours', 0, 24 * 365) * 3600_000)
            : undefined,
        };
        key = `${i.depotId}/${i.sku}`;
        write = () => network.upsertInventory(i);
      }
      if (seen.has(key)) throw new RowError(`duplicate of an earlier row (${key})`);
      seen.add(key);
      writes.push({ line: rec.line, write });
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      result.errors.push({ line: rec.line, message: err.message });
    }
  }
  if (result.errors.length) return result;

  let line = 0;
  try {
    inTransaction(deps.db, () => {
      for (const w of writes) {
        line = w.line;
        w.write();
      }
    });
  } catch (err) {
    result.errors.push({ line, message: err instanceof Error ? err.message : String(err) });
    return result;
  }
  result.imported = writes.length;
  result.committed = true;
  return result;
}
