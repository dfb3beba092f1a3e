// Demo seed: a service network that feels real — depots in Jakarta, Surabaya and Bandung,
// customers with plants around each city (on Java: WIB) and one in Makassar (WITA), a few dozen technicians, a few hundred devices of
// the three catalogue models. Deterministic (seeded PRNG) and idempotent: running it again
// upserts the same records and leaves stock that the demo has since consumed alone.

import { prng } from '../core/random.ts';
import { DEVICE_MODELS } from '../core/device-models.ts';
import { seedProductModels } from '../core/product-catalogue.ts';
import type { FailureMode } from '../core/types.ts';
import type {
  ContractTier,
  HistoricalWorkOrder,
  ResolutionCode,
  ServiceDomain,
  Severity,
  Technician,
} from '../service/index.ts';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SeedOptions {
  /** The simulated fleet (their ids and models); they get sites in the network like any device. */
  devices?: readonly { deviceId: string; modelId: string }[];
  /** Devices in total, including the simulated ones. Default 300. */
  totalDevices?: number;
  seed?: number;
  /** "Now" for install dates and warranties (first run only); default Date.now(). */
  nowMs?: number;
  /**
   * Days of finished service history to create on the first run (none while any work order
   * exists), so the KPI panel, first-time fix and the lead time fed to analytics start from a
   * past rather than from zero. Default 90; 0 = none.
   */
  historyDays?: number;
}

export interface SeedSummary {
  depots: number;
  customers: number;
  sites: number;
  technicians: number;
  devices: number;
  /** Contacts at the customers (every site's maintenance lead, some customer-wide directors). */
  contacts: number;
  inventoryRows: number;
  /** Finished work orders created as the demo's past (0 on a re-run). */
  historyWorkOrders: number;
}

const DEPOTS = [
  { id: 'DEP-JKT', name: 'Depot Jakarta (Cakung)', city: 'Jakarta', lat: -6.1835, lon: 106.9335, handlingH: 1 },
  { id: 'DEP-SBY', name: 'Depot Surabaya (Rungkut)', city: 'Surabaya', lat: -7.3305, lon: 112.7726, handlingH: 1 },
  { id: 'DEP-BDG', name: 'Depot Bandung (Gedebage)', city: 'Bandung', lat: -6.9526, lon: 107.6886, handlingH: 1.5 },
] as const;

/** Industrial towns around each depot: where the customers' plants are. */
const AREAS: Record<string, { city: string; lat: number; lon: number }[]> = {
  'DEP-JKT': [
    { city: 'Jakarta Utara', lat: -6.1214, lon: 106.8956 },
    { city: 'Bekasi', lat: -6.2383, lon: 106.9756 },
    { city: 'Cikarang', lat: -6.3075, lon: 107.1721 },
    { city: 'Tangerang', lat: -6.1783, lon: 106.6319 },
    { city: 'Karawang', lat: -6.3227, lon: 107.3376 },
    { city: 'Bogor', lat: -6.5971, lon: 106.806 },
  ],
  'DEP-SBY': [
    { city: 'Surabaya', lat: -7.2575, lon: 112.7521 },
    { city: 'Sidoarjo', lat: -7.4478, lon: 112.7183 },
    { city: 'Gresik', lat: -7.1566, lon: 112.6555 },
    { city: 'Pasuruan', lat: -7.6453, lon: 112.9075 },
    { city: 'Mojokerto', lat: -7.4726, lon: 112.4381 },
  ],
  'DEP-BDG': [
    { city: 'Bandung', lat: -6.9175, lon: 107.6191 },
    { city: 'Cimahi', lat: -6.8722, lon: 107.5425 },
    { city: 'Purwakarta', lat: -6.5569, lon: 107.4431 },
    { city: 'Majalaya', lat: -7.0451, lon: 107.7545 },
  ],
};

/**
 * One plant off Java, in Makassar (WITA, an hour ahead of the depots' WIB), served from the
 * Surabaya depot across the Java Sea: its times show in its own zone. Placed without the seed's
 * random draws, so the rest of the network stays as it was.
 */
const MAKASSAR = {
  customer: {
    id: 'CUST-019',
    name: 'PT Sulawesi Agro Nusantara',
    email: 'service@sulawesiagro.co.id',
    phone: '+62 411 5100200',
  },
  site: {
    id: 'CUST-019-S1',
    customerId: 'CUST-019',
    name: 'Sulawesi Agro Nusantara — Makassar (KIMA)',
    city: 'Makassar',
    lat: -5.1007,
    lon: 119.4933,
    timeZone: 'Asia/Makassar',
  },
  depotId: 'DEP-SBY',
  /** Every this-many-th installed device (not a simulated one) stands there. */
  everyNth: 60,
} as const;

/** Java, where the three depots and their customers' plants are: Western Indonesia Time (WIB). */
const JAVA_TIME_ZONE = 'Asia/Jakarta';

const CUSTOMERS = [
  'PT Tirta Nusantara Industri',
  'PT Sinar Baja Perkasa',
  'PT Kimia Farma Prima',
  'PT Indo Pangan Lestari',
  'PT Tekstil Jaya Abadi',
  'PT Karya Plastik Mandiri',
  'PT Sumber Air Bersih',
  'PT Gudang Dingin Sejahtera',
  'PT Semen Gresik Utama',
  'PT Kertas Surya Makmur',
  'PT Otomotif Komponen Indonesia',
  'PT Minyak Sawit Raya',
  'PT Rumah Sakit Medika Sehat',
  'PT Hotel Parahyangan',
  'PT Mal Galaxy Properti',
  'PT Pengolahan Susu Segar',
  'PT Farmasi Bumi Husada',
  'PT Elektronik Mitra Jaya',
];

const FIRST = [
  'Budi',
  'Siti',
  'Agus',
  'Dewi',
  'Eko',
  'Rina',
  'Andi',
  'Yuni',
  'Hendra',
  'Sri',
  'Dedi',
  'Lestari',
  'Rudi',
  'Wulan',
  'Joko',
  'Ayu',
  'Bambang',
  'Indah',
  'Fajar',
  'Nur',
  'Teguh',
  'Putri',
  'Wahyu',
  'Ratna',
  'Arif',
  'Maya',
  'Dimas',
  'Fitri',
  'Yoga',
  'Intan',
];
const LAST = [
  'Santoso',
  'Rahayu',
  'Wijaya',
  'Setiawan',
  'Pratama',
  'Hidayat',
  'Kusuma',
  'Saputra',
  'Nugroho',
  'Lestari',
  'Gunawan',
  'Siregar',
  'Hasibuan',
  'Sembiring',
  'Purnomo',
  'Permana',
  'Suryadi',
  'Wibowo',
];

/** Units on hand per depot and SKU: the Jakarta hub holds most; a few rows are thin on purpose. */
function stockFor(depotId: string, sku: string, rnd: () => number): { onHand: number; reorderPoint: number } {
  if (depotId === 'DEP-SBY' && sku === 'C75-OIL-SEP') return { onHand: 0, reorderPoint: 2 }; // the demo's stock-out
  if (depotId === 'DEP-BDG' && sku.startsWith('C75-')) return { onHand: 1, reorderPoint: 1 }; // few compressors there
  const base = depotId === 'DEP-JKT' ? 8 : 4;
  return { onHand: base + Math.floor(rnd() * base), reorderPoint: Math.ceil(base / 2) };
}

export function seedDemo(service: ServiceDomain, opts: SeedOptions = {}): SeedSummary {
  const rnd = prng(opts.seed ?? 20261122);
  const now = opts.nowMs ?? Date.now();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const reg = service.stores.registry;
  const net = service.stores.network;

  for (const d of DEPOTS) net.upsertDepot({ id: d.id, name: d.name, city: d.city, lat: d.lat, lon: d.lon });

  // Customers and their plants: each customer has 1–3 sites, mostly near one depot.
  const sites: { id: string; depotId: string }[] = [];
  CUSTOMERS.forEach((name, ci) => {
    const id = `CUST-${String(ci + 1).padStart(3, '0')}`;
    const slug = name
      .replace(/^PT /, '')
      .toLowerCase()
      .replace(/[^a-z]+/g, '');
    reg.upsertCustomer({ id, name, email: `service@${slug}.co.id`, phone: `+62 21 ${5000000 + ci * 7919}` });
    const home = DEPOTS[ci % DEPOTS.length].id;
    const nSites = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < nSites; s++) {
      const depotId = s === 2 ? pick(DEPOTS).id : home;
      const area = pick(AREAS[depotId]);
      const siteId = `${id}-S${s + 1}`;
      reg.upsertSite({
        id: siteId,
        customerId: id,
        name: `${name.replace(/^PT /, '')} — ${area.city}`,
        city: area.city,
        // Plants spread a few km around the town centre.
        lat: area.lat + (rnd() - 0.5) * 0.06,
        lon: area.lon + (rnd() - 0.5) * 0.06,
        timeZone: JAVA_TIME_ZONE,
      });
      sites.push({ id: siteId, depotId });
    }
  });
  reg.upsertCustomer(MAKASSAR.customer);
  reg.upsertSite(MAKASSAR.site);

  // Technicians: 14 Jakarta, 10 Surabaya, 8 Bandung. Most work Mon–Sat 08:00–17:00 WIB; a late
  // shift and a 24/7 standby crew per city keep night-time forecasts from waiting till morning.
  const modelIds = DEVICE_MODELS.map((m) => m.id);
  const perDepot: Record<string, number> = { 'DEP-JKT': 14, 'DEP-SBY': 10, 'DEP-BDG': 8 };
  let techCount = 0;
  for (const depot of DEPOTS) {
    for (let i = 0; i < perDepot[depot.id]; i++) {
      const id = `TECH-${depot.city.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(2, '0')}`;
      const area = pick(AREAS[depot.id]);
      const senior = i < 2;
      const shift =
        i === 2
          ? { start: 14 * 60, end: 23 * 60, days: 127 }
          : i === 3
            ? { start: 0, end: 24 * 60, days: 127 }
            : { start: 8 * 60, end: 17 * 60, days: 126 };
      const models = senior ? ['*'] : modelIds.filter(() => rnd() < 0.6);
      if (!models.length) models.push(pick(modelIds));
      net.upsertTechnician({
        id,
        // 7 and 5 are prime to 30 and 18: a name repeats only after lcm(30, 18) = 90 technicians.
        name: `${FIRST[(techCount * 7) % FIRST.length]} ${LAST[(techCount * 5) % LAST.length]}`,
        phone: `+62 81${String(200000000 + techCount * 104729).slice(0, 9)}`,
        email: `${id.toLowerCase()}@purna.example`,
        homeLat: area.lat + (rnd() - 0.5) * 0.05,
        homeLon: area.lon + (rnd() - 0.5) * 0.05,
        depotId: depot.id,
        shiftStartMin: shift.start,
        shiftEndMin: shift.end,
        utcOffsetMin: 420, // WIB
        workDaysMask: shift.days,
        maxOpenJobs: senior ? 4 : 3,
        active: true,
        // Juniors are not yet certified on sensor modules' calibration: senior work.
        skills: models.map((modelId) => ({ modelId, mode: '*' })),
        // The repair skills of the models they service (the catalogue's words), so the dispatcher's
        // preference for the skill a job needs has someone to prefer.
        skillTags: [
          ...new Set(
            seedProductModels()
              .filter((m) => models.includes('*') || models.includes(m.id))
              .flatMap((m) => m.failureModes.map((f) => f.skill)),
          ),
        ].sort(),
      });
      techCount++;
    }
  }

  // Inventory: every depot stocks every catalogue part; only rows not there yet (stock the demo
  // has consumed since the first run stays consumed).
  const skus = [...new Set(DEVICE_MODELS.flatMap((m) => Object.values(m.spareParts).map((p) => p!.sku)))].sort();
  let inventoryRows = 0;
  for (const depot of DEPOTS) {
    for (const sku of skus) {
      const stock = stockFor(depot.id, sku, rnd);
      if (net.listInventory({ depotId: depot.id, sku }).length === 0) {
        net.upsertInventory({
          depotId: depot.id,
          sku,
          onHand: stock.onHand,
          reorderPoint: stock.reorderPoint,
          leadTimeMs: depot.handlingH * HOUR_MS,
        });
      }
      inventoryRows++;
    }
  }

  // Devices: the simulated fleet first (sites near Jakarta, where the demo planner sits), then
  // the rest of the installed base across the three cities.
  const tiers: ContractTier[] = ['premium', 'standard', 'standard', 'standard', 'basic', 'basic'];
  const total = Math.max(opts.totalDevices ?? 300, opts.devices?.length ?? 0);
  const jakartaSites = sites.filter((s) => s.depotId === 'DEP-JKT');
  const devices = [];
  const sim = opts.devices ?? [];
  for (let i = 0; i < total; i++) {
    const simDevice = sim[i];
    const modelId = simDevice?.modelId ?? modelIds[i % modelIds.length];
    const picked = simDevice ? jakartaSites[i % jakartaSites.length] : pick(sites);
    const site = !simDevice && i % MAKASSAR.everyNth === MAKASSAR.everyNth - 1 ? { id: MAKASSAR.site.id } : picked;
    // Installed over the last four years; two years' warranty, premium contracts extend it to three.
    const tier = pick(tiers);
    const installDateMs = Math.round(now - rnd() * 4 * 365 * DAY_MS);
    const warrantyYears = tier === 'premium' ? 3 : 2;
    const model = modelId.split('-')[1]?.toUpperCase() ?? 'X';
    devices.push({
      deviceId: simDevice?.deviceId ?? `prn-${modelId}-${String(i + 1).padStart(4, '0')}`,
      modelId,
      siteId: site.id,
      serial: `${model}-${new Date(installDateMs).getUTCFullYear()}-${String(100000 + i * 37).slice(-6)}`,
      installDateMs,
      warrantyEndMs: installDateMs + warrantyYears * 365 * DAY_MS,
      contractTier: tier,
    });
  }
  // Only devices not seeded yet: a re-run must not move install dates or warranties. A simulated
  // device the wiring registered bare (no site) counts as not seeded yet.
  reg.upsertDevices(devices.filter((d) => !reg.getDevice(d.deviceId)?.siteId));

  const contacts = seedContacts(service, now);

  let historyWorkOrders = 0;
  const historyDays = opts.historyDays ?? 90;
  if (historyDays > 0 && service.workOrders.listWorkOrders({ limit: 1 }).length === 0) {
    const depotOfSite = new Map([
      ...sites.map((s) => [s.id, s.depotId] as const),
      [MAKASSAR.site.id, MAKASSAR.depotId],
    ]);
    const history = demoHistory({
      rnd,
      nowMs: now,
      days: historyDays,
      devices: service.customers.listDevices().map((d) => ({
        id: d.id,
        modelId: d.modelId,
        depotId: (d.siteId && depotOfSite.get(d.siteId)) || 'DEP-JKT',
        tier: d.contractTier,
      })),
      technicians: net.listTechnicians(),
    });
    historyWorkOrders = service.workOrders.importHistory(history).length;
  }

  return {
    depots: DEPOTS.length,
    customers: CUSTOMERS.length + 1,
    sites: sites.length + 1,
    technicians: techCount,
    devices: devices.length,
    contacts,
    inventoryRows,
    historyWorkOrders,
  };
}

/** Customer-wide contacts who read English: the expatriate plant directors some customers have. */
const ENGLISH_READERS = [
  'Mark Thompson',
  'Priya Nair',
  'Kenji Watanabe',
  "Sarah O'Connor",
  'Lars Eriksen',
  'Anita Desai',
];

/**
 * Who hears from Purna: at every site a maintenance lead who reads Indonesian (e-mail at two
 * sites in three, WhatsApp with quiet hours 21:00–06:00 at the others), and at every third
 * customer a plant director for all its sites who reads English. Names and numbers are drawn
 * from the site's position, not the seed's generator, so adding them moved nothing else. Only
 * contacts not there yet: a planner's edits survive a restart.
 */
function seedContacts(service: ServiceDomain, nowMs: number): number {
  const slugOf = new Map(
    service.customers.listCustomers().map((c) => [c.id, c.email?.split('@')[1] ?? `${c.id.toLowerCase()}.co.id`]),
  );
  let count = 0;
  const add = (id: string, input: Parameters<ServiceDomain['customers']['saveContact']>[1]) => {
    count++;
    if (!service.stores.contacts.get(id)) service.stores.contacts.save(id, service.stores.contacts.check(input), nowMs);
  };
  service.customers.listSites().forEach((site, i) => {
    const first = FIRST[(i * 11 + 3) % FIRST.length];
    const last = LAST[(i * 7 + 5) % LAST.length];
    const whatsapp = i % 3 === 2;
    add(`${site.id}-K1`, {
      customerId: site.customerId,
      siteId: site.id,
      name: `${first} ${last}`,
      role: 'Kepala pemeliharaan',
      phone: `+62 812 ${String(3000 + i * 37).padStart(4, '0')} ${String(1000 + i * 53).slice(-4)}`,
      email: `${first}.${last}@${slugOf.get(site.customerId)}`.toLowerCase(),
      preferredChannel: whatsapp ? 'whatsapp' : 'email',
      language: 'id',
      quietHours: whatsapp ? { from: '21:00', to: '06:00' } : null,
    });
  });
  service.customers.listCustomers().forEach((customer, i) => {
    if (i % 3 !== 1) return;
    const name = ENGLISH_READERS[Math.floor(i / 3) % ENGLISH_READERS.length];
    add(`${customer.id}-K0`, {
      customerId: customer.id,
      name,
      role: 'Plant director',
      email: `${name.split(' ')[0].toLowerCase()}@${slugOf.get(customer.id)}`,
      preferredChannel: 'email',
      language: 'en',
    });
  });
  return count;
}

/** Relative failure propensity per model: the C75 compressor is the demo's high-risk product. */
const MODEL_RISK: Record<string, number> = { 'compressor-c75': 2.2, 'pump-p200': 1.2, 'motor-m15': 0.7 };
const MODE_MIX: readonly [FailureMode, number][] = [
  ['bearing_wear', 0.4],
  ['cooling_failure', 0.25],
  ['lubrication_loss', 0.2],
  ['sensor_fault', 0.15],
];
const COMMENTS_GOOD = [
  'Teknisi datang tepat waktu dan menjelaskan masalahnya.',
  'Fast and tidy work, thank you.',
  'Mesin jalan normal lagi, terima kasih.',
  'Good that you called us before the pump failed.',
];
const COMMENTS_BAD = [
  'Technician came late, line was down half a day.',
  'Part was not in stock, we waited two days.',
  'Nothing was wrong, why was the machine stopped?',
];

/**
 * The demo's past: about 1.4 finished jobs a day over `days`, mostly raised by forecasts,
 * some by customer calls; response depends on severity (critical is met fast, low waits for
 * the next visit round), a few part stock-outs delay the visit, about one in seven visits finds
 * no fault (the detector's field precision), some fixes do not hold (a follow-up within
 * weeks), and two in three customers answer the survey, less happily after a long wait.
 */
function demoHistory(input: {
  rnd: () => number;
  nowMs: number;
  days: number;
  devices: { id: string; modelId: string; depotId: string; tier: ContractTier }[];
  technicians: Technician[];
}): HistoricalWorkOrder[] {
  const { rnd, nowMs } = input;
  const between = (lo: number, hi: number) => lo + rnd() * (hi - lo);
  const weighted = <T>(items: readonly [T, number][]): T => {
    let x = rnd() * items.reduce((a, [, w]) => a + w, 0);
    for (const [item, w] of items) if ((x -= w) <= 0) return item;
    return items[items.length - 1][0];
  };
  const deviceWeights = input.devices.map((d) => [d, MODEL_RISK[d.modelId] ?? 1] as [typeof d, number]);
  const skilled = (t: Technician, modelId: string) => t.skills.some((s) => s.modelId === '*' || s.modelId === modelId);
  const busyUntil = new Map<string, number>(); // device|mode → when its last job closed
  const out: HistoricalWorkOrder[] = [];
  const startMs = nowMs - input.days * DAY_MS;
  const jobs = Math.round(input.days * 1.4);

  const job = (
    device: (typeof input.devices)[number],
    mode: FailureMode,
    createdAtMs: number,
    repeatOf: boolean,
  ): HistoricalWorkOrder | null => {
    const key = `${device.id}|${mode}`;
    if ((busyUntil.get(key) ?? -Infinity) > createdAtMs) return null;
    const techs = input.technicians.filter((t) => t.depotId === device.depotId && skilled(t, device.modelId));
    const tech = techs.length ? techs[Math.floor(rnd() * techs.length)] : input.technicians[0];
    const fromForecast = rnd() < 0.75;
    // Most forecasts come days ahead; some only hours ahead (a fast fault), and not all of those are beaten.
    const predictedFailureAtMs = fromForecast
      ? createdAtMs + (rnd() < 0.15 ? between(0.1, 0.6) : between(1.5, 8)) * DAY_MS
      : null;
    const severity: Severity = fromForecast
      ? predictedFailureAtMs! - createdAtMs <= DAY_MS
        ? 'critical'
        : predictedFailureAtMs! - createdAtMs <= 3 * DAY_MS
          ? 'high'
          : 'medium'
      : weighted<Severity>([
          ['critical', 0.4],
          ['high', 0.4],
          ['medium', 0.2],
        ]);
    const part = DEVICE_MODELS.find((m) => m.id === device.modelId)?.spareParts[mode];
    const stockOut = !!part && rnd() < 0.05;
    const respondH =
      { critical: between(1.5, 7), high: between(3, 20), medium: between(8, 40), low: between(24, 90) }[severity] +
      (stockOut ? between(24, 60) : 0);
    const assignedAtMs = createdAtMs + between(2, 30) * 60_000;
    const onSiteAtMs = createdAtMs + respondH * 3600_000;
    const travelMs = between(0.5, 2.5) * 3600_000;
    const acknowledgedAtMs = Math.max(
      assignedAtMs,
      Math.min(assignedAtMs + between(5, 90) * 60_000, onSiteAtMs - travelMs),
    );
    const enRouteAtMs = Math.max(acknowledgedAtMs, onSiteAtMs - travelMs);
    const base = {
      deviceId: device.id,
      mode,
      severity,
      createdAtMs,
      predictedFailureAtMs,
      source: fromForecast ? 'analytics' : 'planner',
      technicianId: tech.id,
      stockOut,
      partSku: part?.sku ?? null,
    };
    if (rnd() < 0.04) {
      // Customer shut the line down or replaced the machine before anyone set off.
      const cancelledAtMs = acknowledgedAtMs + between(1, 6) * 3600_000;
      if (cancelledAtMs >= nowMs) return null;
      busyUntil.set(key, cancelledAtMs);
      return { ...base, assignedAtMs, acknowledgedAtMs, cancelledAtMs, note: 'customer cancelled: line shut down' };
    }
    const code: ResolutionCode = repeatOf
      ? 'fault_confirmed_part_replaced'
      : weighted<ResolutionCode>([
          ['fault_confirmed_part_replaced', part ? 0.72 : 0],
          ['fault_confirmed_no_part', 0.13],
          ['no_fault_found', 0.15],
        ]);
    const resolvedAtMs = onSiteAtMs + between(0.7, code === 'fault_confirmed_part_replaced' ? 4 : 2) * 3600_000;
    if (resolvedAtMs >= nowMs - 3600_000) return null;
    busyUntil.set(key, resolvedAtMs);
    const late = severity === 'critical' ? respondH > 8 : respondH > 24;
    const answeredAtMs = resolvedAtMs + between(0.1, 5) * DAY_MS;
    const answered = rnd() < 0.65 && answeredAtMs < nowMs;
    const unhappy = late || stockOut || (code === 'no_fault_found' && rnd() < 0.5);
    const csat = unhappy ? 2 + Math.floor(rnd() * 2) : 4 + Math.floor(rnd() * 2);
    const nps = unhappy ? Math.floor(between(3, 8)) : Math.floor(between(7, 11));
    return {
      ...base,
      assignedAtMs,
      acknowledgedAtMs,
      enRouteAtMs,
      onSiteAtMs,
      resolvedAtMs,
      resolutionCode: code,
      partDepotId: code === 'fault_confirmed_part_replaced' ? device.depotId : null,
      survey: answered
        ? {
            answeredAtMs,
            csat,
            nps: Math.min(10, nps),
            comment:
              rnd() < 0.5
                ? (unhappy ? COMMENTS_BAD : COMMENTS_GOOD)[
                    Math.floor(rnd() * (unhappy ? COMMENTS_BAD : COMMENTS_GOOD).length)
                  ]
                : undefined,
          }
        : undefined,
    };
  };

  for (let i = 0; i < jobs; i++) {
    const device = weighted(deviceWeights);
    const mode = weighted(MODE_MIX);
    const first = job(device, mode, Math.round(startMs + rnd() * (input.days - 1) * DAY_MS), false);
    if (!first) continue;
    out.push(first);
    // One fix in ten does not hold: the same fault is back within weeks.
    if (first.resolutionCode && first.resolutionCode !== 'no_fault_found' && rnd() < 0.1) {
      const again = job(device, mode, Math.round(first.resolvedAtMs! + between(4, 25) * DAY_MS), true);
      if (again) out.push(again);
    }
  }
  return out.sort((a, b) => a.createdAtMs - b.createdAtMs);
}
