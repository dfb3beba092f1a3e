// A work order's history in the planner's words and language. The service records who acted as
// an actor string (`planner:<user id>`, `technician:<user or technician id>`, `customer:<contact
// id>`, `system:<part>`, `analytics`, …) and writes its own notes in English for the log and the
// API (service/work-orders, planning, billing, maintenance, customers, demo). The page shows the
// actor by name and says a note Purna wrote from its parts (the ids in it by name), as explain.ts
// does for health reports. Each rule below matches one note as the service writes it; a note no
// rule knows — a person's own words — shows as written.
import { formatIdr } from '../../core/i18n/format.ts';
import { hasMessage } from '../../core/i18n/index.ts';
import { date, labelOf, num, t } from './i18n.ts';

/** What a history line's ids are called: people, technicians, contacts, depots, parts. */
export interface HistoryNames {
  /** Dashboard users by user id (GET /api/people). */
  users: ReadonlyMap<string, string>;
  /** Technicians by technician id (GET /api/technicians). */
  technicians: ReadonlyMap<string, string>;
  /** The customer's contacts by contact id. */
  contacts: ReadonlyMap<string, string>;
  /** Depots by id (GET /api/depots). */
  depots: ReadonlyMap<string, string>;
  /** Parts by SKU (the work order's own parts). */
  parts: ReadonlyMap<string, string>;
}

export const NO_NAMES: HistoryNames = {
  users: new Map(),
  technicians: new Map(),
  contacts: new Map(),
  depots: new Map(),
  parts: new Map(),
};

/** Purna's own parts, as they sign their history lines. */
const SYSTEM_ACTORS: Record<string, Parameters<typeof t>[0]> = {
  'system:service': 'actor.system.service',
  'system:dispatcher': 'actor.system.dispatcher',
  'system:billing': 'actor.system.billing',
  'system:maintenance': 'actor.system.maintenance',
  'system:seed': 'actor.system.seed',
  'system:sla': 'actor.system.sla',
  analytics: 'actor.analytics',
  demo: 'actor.demo',
  import: 'actor.import',
  api: 'actor.api',
  'customer:survey': 'actor.customerSurvey',
};

/** Who acted, by name; an id nobody here knows shows as it is. */
export function actorName(actor: string, n: HistoryNames): string {
  const system = SYSTEM_ACTORS[actor];
  if (system) return t(system);
  const colon = actor.indexOf(':');
  if (colon < 0) return actor;
  const kind = actor.slice(0, colon);
  const id = actor.slice(colon + 1);
  if (kind === 'customer') {
    const name = n.contacts.get(id);
    return name ? t('actor.customer', { name }) : actor;
  }
  if (kind === 'system') return t('actor.system', { part: id });
  // A signed-in user (their user id); the service history import names the technician instead.
  return n.users.get(id) ?? (kind === 'technician' ? n.technicians.get(id) : undefined) ?? actor;
}

const techName = (id: string, n: HistoryNames) =>
  id === 'nobody' ? t('workOrder.nobody') : (n.technicians.get(id) ?? id);
const depotName = (id: string, n: HistoryNames) => n.depots.get(id) ?? n.technicians.get(id) ?? id;
const partName = (sku: string, n: HistoryNames) => n.parts.get(sku) ?? sku;
/** ": why", when a person gave a reason (their words, as written). */
const why = (text: string | undefined) => (text ? `: ${text}` : '');

type Rule = { pattern: RegExp; say: (m: RegExpExecArray, n: HistoryNames) => string };

/** Purna's notes, each as its writer words it (the file named beside each). */
const RULES: Rule[] = [
  // planning/dispatcher.ts: the notes of a plan, joined with "; " (historyNote says each)
  {
    pattern: /^nobody suitable on shift now: (\S+) can be on site in ([\d.]+) h \(after their shift starts\)$/,
    say: (m, n) => t('note.offShift', { technician: techName(m[1], n), hours: num(Number(m[2]), 1) }),
  },
  {
    pattern: /^nobody who can take the job has the skill '(.+)' that (\S+) needs: assigned (\S+) without it$/,
    say: (m, n) => t('note.skillMissing', { skill: m[1], mode: labelOf('mode', m[2]), technician: techName(m[3], n) }),
  },
  {
    pattern: /^no active technician with capacity is skilled for (\S+) on (\S+): left open$/,
    say: (m) => t('note.noTechnician', { mode: labelOf('mode', m[1]), model: m[2] }),
  },
  {
    pattern: /^no spare part listed for (\S+) on (\S+): inspection visit$/,
    say: (m) => t('note.noPartListed', { mode: labelOf('mode', m[1]), model: m[2] }),
  },
  { pattern: /^device not in the registry: no site, no parts catalogue$/, say: () => t('note.deviceUnknown') },
  { pattern: /^device has no site location: distances not considered$/, say: () => t('note.noSite') },
  {
    pattern:
      /^nearest depot (\S+) has no (?:(\d+) × )?(\S+) free: reserved at (\S+), lead time ([\d.]+) h instead of ([\d.]+) h$/,
    say: (m, n) =>
      t('note.fartherDepot', {
        nearest: depotName(m[1], n),
        quantity: Number(m[2] ?? 1),
        part: partName(m[3], n),
        depot: depotName(m[4], n),
        hours: num(Number(m[5]), 1),
        instead: num(Number(m[6]), 1),
      }),
  },
  {
    pattern: /^no depot has (?:(\d+) × )?(\S+) in stock: backordered$/,
    say: (m, n) => t('note.backordered', { quantity: Number(m[1] ?? 1), part: partName(m[2], n) }),
  },
  {
    pattern: /^planned: (\S+?)(?:, part at (\S+))?$/,
    say: (m, n) => t('note.planned', { technician: techName(m[1], n), depot: m[2] ? depotName(m[2], n) : 'none' }),
  },
  {
    pattern: /^backorder filled: (.+)$/,
    say: (m, n) =>
      t('note.backorderFilled', {
        parts: m[1]
          .split(', ')
          .map((p) => {
            const r = /^(\S+) reserved at (\S+)$/.exec(p);
            return r ? t('note.reservedAt', { part: partName(r[1], n), depot: depotName(r[2], n) }) : p;
          })
          .join(', '),
      }),
  },
  // work-orders/lifecycle.ts
  {
    pattern: /^reassigned from (\S+) to (\S+?)(?:: ([\s\S]*))?$/,
    say: (m, n) => t('note.reassigned', { from: techName(m[1], n), to: techName(m[2], n) }) + why(m[3]),
  },
  {
    pattern: /^escalated (\w+) → (\w+): ([\s\S]*)$/,
    say: (m) => t('note.escalated', { from: labelOf('severity', m[1]), to: labelOf('severity', m[2]) }),
  },
  {
    pattern: /^dismissed as a false alarm(?:: ([\s\S]*))?$/,
    say: (m) => t('note.falseAlarm') + why(m[1]),
  },
  {
    pattern: /^device not in the registry: default contract terms, no warranty$/,
    say: () => t('note.notInRegistry'),
  },
  // work-orders/commands.ts
  {
    pattern: /^dispatch withdrawn: recovered: nothing due for .+ and healthy for the last (\d+) samples$/,
    say: (m) => t('note.recovered', { samples: Number(m[1]) }),
  },
  {
    pattern: /^diagnosed: (\w+) \(reported by the customer\)(?:: ([\s\S]*))?$/,
    say: (m) => t('note.diagnosed', { mode: labelOf('failureMode', m[1]) }) + why(m[2]),
  },
  // work-orders/field-work.ts
  {
    pattern: /^part used: (.+)$/,
    say: (m, n) =>
      t('note.partUsed', {
        parts: m[1]
          .split(', ')
          .map((p) => {
            // "(reserved)": taken from the job's own reservation there ("; 1 released": the rest put back).
            const r = /^(\d+) × (\S+) from (\S+)( \(reserved(?:; (\d+) released)?\))?$/.exec(p);
            return r
              ? t('note.partFrom', {
                  quantity: num(Number(r[1])),
                  part: partName(r[2], n),
                  from: depotName(r[3], n),
                  reserved: r[4] ? 'yes' : 'no',
                  released: r[5] ? Number(r[5]) : 0,
                })
              : p;
          })
          .join(', '),
      }),
  },
  {
    // A default item by Purna's words in the viewer's language; a model's own item as it names it.
    pattern: /^checklist (\S+) “([\s\S]*)” ?(?:(done)|(not done)|: (-?[\d.]+))$/,
    say: (m) =>
      t('note.checklist', {
        item: hasMessage(`checklist.${m[1]}`) ? labelOf('checklist', m[1]) : m[2],
        done: m[3] ? 'yes' : m[4] ? 'no' : 'value',
        value: m[5] ? num(Number(m[5]), m[5].split('.')[1]?.length ?? 0) : '',
      }),
  },
  {
    pattern: /^photo added \((\d+) bytes\)$/,
    say: (m) => t('note.photoAdded', { kb: num(Math.max(1, Math.round(Number(m[1]) / 1024))) }),
  },
  { pattern: /^signed by ([\s\S]+)$/, say: (m) => t('note.signedBy', { name: m[1] }) },
  // work-orders/history-import.ts
  { pattern: /^imported$/, say: () => t('why.imported') },
  // demo/index.ts
  {
    pattern: /^demo restarted: the simulated fleet starts its story again$/,
    say: () => t('note.demoRestarted'),
  },
  // customers/inbound.ts: the customer's own words stay as they wrote them.
  {
    pattern: /^(E-mail|WhatsApp) from (.+?)(?:: (“[\s\S]*”))?$/,
    say: (m) =>
      t('note.inbound', { channel: labelOf('channel', m[1] === 'E-mail' ? 'email' : 'whatsapp'), name: m[2] }) +
      (m[3] ? `: ${m[3]}` : ''),
  },
  // customers/feedback.ts
  {
    pattern:
      /^(.+?) (says the problem is NOT fixed|confirmed the work is done|answered the survey)(?:, (\d)\/5 stars)?(?:, NPS (\d+))?(?:: (“[\s\S]*”))?$/,
    say: (m) =>
      t('note.feedback', {
        who: m[1] === 'the customer (survey)' ? t('actor.customerSurvey') : m[1],
        what: m[2].startsWith('says') ? 'not_fixed' : m[2].startsWith('confirmed') ? 'done' : 'survey',
        stars: m[3] ?? 'none',
        nps: m[4] ?? 'none',
      }) + (m[5] ? `: ${m[5]}` : ''),
  },
  // billing/quotes.ts
  {
    pattern: /^quote (\S+): Rp (\d+) to pay \(.*\); waits for the customer's approval before dispatch$/,
    say: (m) => t('note.quoteSent', { id: m[1], amount: formatIdr(Number(m[2])) }),
  },
  {
    pattern: /^quote (\S+) for Rp (\d+) approved by (\S+) \((\w+)\)(?:: ([\s\S]*))?$/,
    say: (m, n) =>
      t('note.quoteApproved', { id: m[1], amount: formatIdr(Number(m[2])), by: actorName(m[3], n) }) + why(m[5]),
  },
  {
    pattern: /^quote (\S+) declined \((\w+)\)(?:: ([\s\S]*))?$/,
    say: (m) => t('note.quoteDeclined', { id: m[1] }) + why(m[3]),
  },
  // warranty/claims.ts
  {
    pattern: /^warranty claim (\S+) submitted: Rp (\d+)$/,
    say: (m) => t('note.claimSubmitted', { id: m[1], amount: formatIdr(Number(m[2])) }),
  },
  // maintenance/maintenance.ts
  {
    pattern: /^planned maintenance: (.+?)(: on this visit, not a second one)?$/,
    say: (m) =>
      t('note.maintenance', {
        devices: m[1]
          .split(/, (?=\S+ \()/)
          .map((d) => {
            const due = /^(\S+) \(due (\d{4}-\d\d-\d\d)\)$/.exec(d);
            if (due) return t('note.maintenanceDue', { device: due[1], date: date(Date.parse(due[2]), 'UTC') });
            const hours = /^(\S+) \((\d+(?:\.\d+)?) of (\d+(?:\.\d+)?) running hours\)$/.exec(d);
            if (hours)
              return t('note.maintenanceHours', {
                device: hours[1],
                hours: num(Number(hours[2])),
                due: num(Number(hours[3])),
              });
            return d;
          })
          .join(', '),
        sameVisit: m[2] ? 'yes' : 'no',
      }),
  },
];

/** A history line's note in the viewer's language, its ids by name; a person's own note as written. */
export function historyNote(note: string | null, n: HistoryNames): string {
  if (!note) return '';
  const whole = sayNote(note, n);
  if (whole !== null) return whole;
  // The dispatcher joins a plan's notes with "; ": said one by one once every one is Purna's (a
  // person's note with a semicolon in it stays as written).
  const parts = note.split('; ');
  if (parts.length < 2) return note;
  const said = parts.map((part) => sayNote(part, n));
  return said.every((x) => x !== null) ? said.join('; ') : note;
}

function sayNote(note: string, n: HistoryNames): string | null {
  for (const rule of RULES) {
    const m = rule.pattern.exec(note);
    if (m) return rule.say(m, n);
  }
  return null;
}
