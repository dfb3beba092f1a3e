// The message catalogues: both languages have the same keys with the same placeholders, every
// message parses as ICU, and every key the code asks for exists. Then t(), the language choice
// and the Intl formatting the screens rely on.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../dashboard/auth/users.ts';
import {
  acceptedLanguages,
  catalogue,
  LANGUAGES,
  LOCALES,
  pickLanguage,
  t,
  type Language,
} from '../../core/i18n/index.ts';
import {
  checkTimeZone,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
  zoneName,
} from '../../core/i18n/format.ts';
import { JOB_TYPES } from '../../core/job-types.ts';
import { NOTICE_KINDS } from '../../core/types.ts';
import { WORK_ORDER_STATES } from '../../core/work-order-states.ts';
import { CONTRACT_TIERS, CUSTOMER_CHANNELS, FAILURE_MODES, RESOLUTION_CODES, SEVERITIES } from '../../service/types.ts';

const en = catalogue('en');
const id = catalogue('id');

/** The placeholders of an ICU message (argument names, nested in plurals and selects too). */
function placeholders(message: string, locale: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: unknown[]) => {
    for (const node of nodes as {
      type: number;
      value?: string;
      options?: Record<string, { value: unknown[] }>;
      children?: unknown[];
    }[]) {
      if (node.type >= 1 && node.type <= 6 && typeof node.value === 'string') names.add(node.value);
      for (const option of Object.values(node.options ?? {})) walk(option.value);
      if (node.children) walk(node.children);
    }
  };
  walk(new IntlMessageFormat(message, locale).getAst());
  return [...names].sort();
}

describe('the catalogues', () => {
  it('have the same keys in both languages', () => {
    const missingInId = Object.keys(en).filter((k) => !(k in id));
    const missingInEn = Object.keys(id).filter((k) => !(k in en));
    expect({ missingInId, missingInEn }).toEqual({ missingInId: [], missingInEn: [] });
    expect(Object.keys(en).length).toBeGreaterThan(100);
  });

  it('parse as ICU and use the same placeholders in both languages', () => {
    const differ: string[] = [];
    for (const key of Object.keys(en)) {
      const a = placeholders(en[key], LOCALES.en);
      const b = placeholders(id[key], LOCALES.id);
      if (a.join() !== b.join()) differ.push(`${key}: en {${a.join(', ')}} id {${b.join(', ')}}`);
    }
    expect(differ).toEqual([]);
  });

  it('say each thing in Indonesian, not in English (messages equal in both are names, symbols or placeholders)', () => {
    // A message left in English is a key added to id.json without a translation.
    const sameAllowed =
      /^(language\.|role\.admin$|deviceState\.(offline|online)$|fleetState\.(offline|alarm)$|fleet\.count\.(offline|alarm)$|fleet\.model$|device\.record\.model$|fleet\.col\.model$|login\.email$|kpis\.(csat|nps|csatValue|trend\.sla)$|customers\.col\.model$|channel\.(whatsapp|sms)$|contractTier\.premium$)/;
    const same = Object.keys(en).filter(
      (k) => en[k] === id[k] && !sameAllowed.test(k) && /[a-z]{3}/i.test(en[k].replace(/\{[^}]*\}/g, '')),
    );
    expect(same).toEqual([]);
  });
});

// ---- the keys the code uses ----

const ROOTS = ['dashboard', 'service', 'core', 'ingest', 'analytics', 'app.ts'];
function sources(path: string): string[] {
  if (path.includes('node_modules') || path.endsWith('/dist')) return [];
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((f) => sources(join(path, f)));
  return /\.(ts|html)$/.test(path) ? [path] : [];
}
const code = ROOTS.flatMap(sources).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** Keys named literally: t('key'), t(lang, 'key'), data-i18n="key", data-i18n-label="key". */
function literalKeys(): { file: string; key: string }[] {
  const out: { file: string; key: string }[] = [];
  const patterns = [/\bt\(\s*(?:[\w.]+\s*,\s*)?'([^'$]+)'/g, /data-i18n(?:-label)?="([^"]+)"/g];
  for (const { file, text } of code)
    for (const p of patterns) for (const m of text.matchAll(p)) out.push({ file, key: m[1] });
  return out;
}

/** Families of keys chosen at run time: labelOf('family', value) and t(`family.${…}`). */
function families(): Set<string> {
  const out = new Set<string>();
  for (const { text } of code) {
    for (const m of text.matchAll(/labelOf\('([\w]+)'/g)) out.add(m[1]);
    for (const m of text.matchAll(/\bt\(\s*(?:[\w.]+\s*,\s*)?`([\w.]+)\.\$\{/g)) out.add(m[1]);
  }
  return out;
}

describe('the keys the code uses', () => {
  it('finds the UI, survey and server messages (the scan itself works)', () => {
    const keys = literalKeys();
    expect(keys.length).toBeGreaterThan(100);
    expect(keys.some((k) => k.file.endsWith('index.html'))).toBe(true);
    expect([...families()]).toEqual(
      expect.arrayContaining([
        'deviceState',
        'workOrderState',
        'failureMode',
        'severity',
        'partStatus',
        'resolutionCode',
        'metric',
        'role',
        'language',
        'connection',
      ]),
    );
  });

  it('are all in the catalogues', () => {
    const unknown = literalKeys()
      .filter(({ key }) => !(key in en))
      .map(({ file, key }) => `${file}: ${key}`);
    expect(unknown).toEqual([]);
  });

  it('cover every value of each closed set a family labels', () => {
    const sets: Record<string, readonly string[]> = {
      workOrderState: WORK_ORDER_STATES,
      failureMode: FAILURE_MODES,
      severity: SEVERITIES,
      resolutionCode: RESOLUTION_CODES,
      partStatus: ['none', 'reserved', 'backorder', 'consumed', 'released'],
      deviceState: [
        'warming_up',
        'healthy',
        'watch',
        'warning',
        'critical',
        'sensor_fault',
        'silent',
        'online',
        'offline',
        'unknown',
        'waiting',
      ],
      role: ROLES,
      language: LANGUAGES,
      metric: ['temperature', 'vibration'],
      connection: ['connecting', 'live', 'down'],
      channel: CUSTOMER_CHANNELS,
      noticeKind: NOTICE_KINDS,
      contractTier: CONTRACT_TIERS,
      jobType: JOB_TYPES,
    };
    const missing = Object.entries(sets).flatMap(([family, values]) =>
      values.map((v) => `${family}.${v}`).filter((k) => !(k in en)),
    );
    expect(missing).toEqual([]);
  });

  it('leave no key unused (a key is used when the code names it or its family)', () => {
    const all = code.map((c) => c.text).join('\n');
    const fams = families();
    const unused = Object.keys(en).filter(
      (k) => !all.includes(`'${k}'`) && !all.includes(`"${k}"`) && !fams.has(k.slice(0, k.lastIndexOf('.'))),
    );
    expect(unused).toEqual([]);
  });
});

describe('t()', () => {
  it('fills placeholders and ICU plurals in each language', () => {
    expect(t('en', 'kpis.rate.text', { rate: '0.12', failures: 1, devices: 2000 })).toBe(
      '0.12 / device-year (1 failure in 2,000 devices)',
    );
    expect(t('en', 'kpis.rate.text', { rate: '0.12', failures: 3, devices: 1 })).toBe(
      '0.12 / device-year (3 failures in 1 device)',
    );
    expect(t('id', 'kpis.rate.text', { rate: '0,12', failures: 3, devices: 2000 })).toBe(
      '0,12 / perangkat / tahun (3 kerusakan pada 2.000 perangkat)',
    );
    expect(t('id', 'board.card.who', { id: 'WO-1', severity: 'kritis', technician: 'none' })).toBe(
      'WO-1 · kritis · belum ditugaskan',
    );
  });
});

describe('the language a person gets', () => {
  it('is the first of their preferences Purna speaks, else the fallback', () => {
    expect(pickLanguage(['fr-FR', 'id-ID', 'en'], 'en')).toBe('id');
    expect(pickLanguage(['en-US', 'id'], 'id')).toBe('en');
    expect(pickLanguage(['in-ID'], 'en')).toBe('id'); // older Android/Java
    expect(pickLanguage(['jv', 'ms'], 'id')).toBe('id');
    expect(pickLanguage(['jv', 'ms'], 'en')).toBe('en');
    expect(pickLanguage([null, undefined, ''], 'id')).toBe('id');
  });

  it('reads Accept-Language by q-value', () => {
    expect(acceptedLanguages('en-US;q=0.5, id-ID, id;q=0.9, *;q=0.1')).toEqual(['id-ID', 'id', 'en-US']);
    expect(acceptedLanguages('id;q=0, en')).toEqual(['en']);
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(pickLanguage(acceptedLanguages('de-DE,en;q=0.8,id;q=0.9'), 'en')).toBe('id');
  });
});

describe('numbers, times and zones', () => {
  const at = Date.UTC(2026, 11, 3, 7, 5, 9); // 14:05:09 in Jakarta
  const both = (f: (lang: Language) => string) => ({ id: f('id'), en: f('en') });

  it('write decimals and thousands the language’s way', () => {
    expect(both((l) => formatNumber(l, 7.1, 1))).toEqual({ id: '7,1', en: '7.1' });
    expect(both((l) => formatNumber(l, 12345.678, 2))).toEqual({ id: '12.345,68', en: '12,345.68' });
    expect(both((l) => formatPercent(l, 93.4))).toEqual({ id: '93%', en: '93%' });
    expect(formatNumber('id', null)).toBe('—');
    expect(both((l) => formatDuration(l, 5400_000 * 2))).toEqual({ id: '3 jam', en: '3 hours' });
    expect(both((l) => formatDuration(l, 2.5 * 86_400_000))).toEqual({ id: '2,5 hari', en: '2.5 days' });
  });

  it('show every time with its zone, WIB/WITA/WIT for Indonesia', () => {
    expect(both((l) => formatDateTime(l, at, 'Asia/Jakarta'))).toEqual({
      id: '3 Des 2026, 14.05 WIB',
      en: '3 Dec 2026, 14:05 WIB',
    });
    expect(formatDateTime('id', at, 'Asia/Makassar')).toBe('3 Des 2026, 15.05 WITA');
    expect(formatTime('en', at, 'Asia/Jayapura')).toBe('16:05:09 WIT');
    expect(formatTime('id', at, 'Asia/Pontianak')).toBe('14.05.09 WIB');
    // Elsewhere Intl's own short name.
    expect(formatTime('en', at, 'Europe/Berlin')).toBe('08:05:09 CET');
    expect(zoneName('en', at, 'Asia/Makassar')).toBe('WITA');
    expect(zoneName('en', at, 'UTC')).toBe('UTC');
  });

  it('accept IANA zone names only', () => {
    expect(checkTimeZone('Asia/Makassar')).toEqual({ ok: true, timeZone: 'Asia/Makassar' });
    expect(checkTimeZone('asia/jakarta')).toEqual({ ok: true, timeZone: 'Asia/Jakarta' });
    expect(checkTimeZone('+07:00')).toMatchObject({ ok: false, reason: expect.stringContaining('offset') });
    expect(checkTimeZone('WIB')).toMatchObject({ ok: false, reason: expect.stringContaining('IANA') });
  });
});
