// Demo seed: a service network that feels real — depots in Jakarta, Surabaya and Bandung,
// customers with plants around each city, a few dozen technicians, a few hundred devices of
// the three catalogue models. Deterministic (seeded PRNG) and idempotent: running it again
// upserts the same records and leaves stock that the demo has since consumed alone.

import { DEVICE_MODELS } from '../core/device-models.ts';
import type { ServiceDomain } from './index.ts';
import type { ContractTier } from './types.ts';

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
}

export interface SeedSummary {
  depots: number;
  customers: number;
  sites: number;
  technicians: number;
  devices: number;
  inventoryRows: number;
}

/** mulberry32: tiny, seedable, good enough for demo data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

const CUSTOMERS = [
  'PT Tirta Nusantara Industri', 'PT Sinar Baja Perkasa', 'PT Kimia Farma Prima', 'PT Indo Pangan Lestari', 'PT Tekstil Jaya Abadi',
  'PT Karya Plastik Mandiri', 'PT Sumber Air Bersih', 'PT Gudang Dingin Sejahtera', 'PT Semen Gresik Utama', 'PT Kertas Surya Makmur',
  'PT Otomotif Komponen Indonesia', 'PT Minyak Sawit Raya', 'PT Rumah Sakit Medika Sehat', 'PT Hotel Parahyangan', 'PT Mal Galaxy Properti',
  'PT Pengolahan Susu Segar', 'PT Farmasi Bumi Husada', 'PT Elektronik Mitra Jaya',
];

const FIRST = ['Budi', 'Siti', 'Agus', 'Dewi', 'Eko', 'Rina', 'Andi', 'Yuni', 'Hendra', 'Sri', 'Dedi', 'Lestari', 'Rudi', 'Wulan', 'Joko', 'Ayu', 'Bambang', 'Indah', 'Fajar', 'Nur', 'Teguh', 'Putri', 'Wahyu', 'Ratna', 'Arif', 'Maya', 'Dimas', 'Fitri', 'Yoga', 'Intan'];
const LAST = ['Santoso', 'Rahayu', 'Wijaya', 'Setiawan', 'Pratama', 'Hidayat', 'Kusuma', 'Saputra', 'Nugroho', 'Lestari', 'Gunawan', 'Siregar', 'Hasibuan', 'Sembiring', 'Purnomo', 'Permana', 'Suryadi', 'Wibowo'];

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
  const reg = service.registry;
  const net = service.network;

  for (const d of DEPOTS) net.upsertDepot({ id: d.id, name: d.name, city: d.city, lat: d.lat, lon: d.lon });

  // Customers and their plants: each customer has 1–3 sites, mostly near one depot.
  const sites: { id: string; depotId: string }[] = [];
  CUSTOMERS.forEach((name, ci) => {
    const id = `CUST-${String(ci + 1).padStart(3, '0')}`;
    const slug = name.replace(/^PT /, '').toLowerCase().replace(/[^a-z]+/g, '');
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
      });
      sites.push({ id: siteId, depotId });
    }
  });

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
      const shift = i === 2 ? { start: 14 * 60, end: 23 * 60, days: 127 } : i === 3 ? { start: 0, end: 24 * 60, days: 127 } : { start: 8 * 60, end: 17 * 60, days: 126 };
      const models = senior ? ['*'] : modelIds.filter(() => rnd() < 0.6);
      if (!models.length) models.push(pick(modelIds));
      net.upsertTechnician({
        id,
        name: `${FIRST[(techCount * 7 + i) % FIRST.length]} ${LAST[(techCount * 5 + i * 3) % LAST.length]}`,
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
        net.upsertInventory({ depotId: depot.id, sku, onHand: stock.onHand, reorderPoint: stock.reorderPoint, leadTimeMs: depot.handlingH * HOUR_MS });
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
    const site = simDevice ? jakartaSites[i % jakartaSites.length] : pick(sites);
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

  return { depots: DEPOTS.length, customers: CUSTOMERS.length, sites: sites.length, technicians: techCount, devices: devices.length, inventoryRows };
}
