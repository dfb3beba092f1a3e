// Where the board's jobs and technicians are: a map (Leaflet) when the operator configured a tile
// source (PURNA_MAP_TILE_URL; GET /api/map), and always a plain list of each active job's site,
// its technician and how far their home base is from it, and of each technician's jobs. No tile
// source is assumed: without one there is no map and no request leaves Purna.
import { api } from '../api.ts';
import { el } from '../format.ts';
import { labelOf, num, t } from '../i18n.ts';
import { live, type WorkOrderView } from '../state.ts';

export interface TechnicianPlace {
  id: string;
  name: string;
  homeLat: number;
  homeLon: number;
}

interface MapSource {
  tileUrl: string | null;
  attribution: string;
}

/** Great-circle distance, km (haversine on a 6,371 km sphere: a few metres off at these distances). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

export function boardWhere(): {
  element: HTMLElement;
  update(orders: WorkOrderView[]): void;
  destroy(): void;
} {
  const mapHolder = el('div', {
    id: 'board-map',
    class: 'board-map',
    role: 'region',
    'aria-label': t('board.where.map'),
  });
  mapHolder.hidden = true;
  const jobs = el('tbody');
  const people = el('tbody');
  const th = (key: Parameters<typeof t>[0]) => el('th', { scope: 'col', text: t(key) });
  const element = el(
    'section',
    { class: 'board-where', 'aria-labelledby': 'board-where-title' },
    el('h3', { id: 'board-where-title', text: t('board.where.title') }),
    mapHolder,
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        { id: 'board-where-jobs' },
        el('caption', { text: t('board.where.jobs') }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            th('board.where.col.job'),
            th('board.where.col.site'),
            th('board.where.col.technician'),
            th('board.where.col.distance'),
          ),
        ),
        jobs,
      ),
    ),
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        { id: 'board-where-technicians' },
        el('caption', { text: t('board.where.technicians') }),
        el('thead', {}, el('tr', {}, th('board.where.col.technician'), th('board.where.col.activeJobs'))),
        people,
      ),
    ),
  );

  let technicians: TechnicianPlace[] = [];
  let orders: WorkOrderView[] = [];
  // Leaflet's map, loaded only when a tile source is configured (its own chunk).
  let map: { redraw(): void; destroy(): void } | null = null;
  let destroyed = false;

  const placeOf = (o: WorkOrderView) => {
    const d = live.devices.get(o.deviceId);
    return d && typeof d.lat === 'number' && typeof d.lon === 'number'
      ? { lat: d.lat, lon: d.lon, site: d.site ?? '' }
      : { lat: null, lon: null, site: d?.site ?? '' };
  };

  const render = () => {
    const byId = new Map(technicians.map((x) => [x.id, x]));
    jobs.replaceChildren(
      ...(orders.length
        ? orders.map((o) => {
            const p = placeOf(o);
            const tech = o.technicianId ? byId.get(o.technicianId) : undefined;
            const km =
              tech && p.lat !== null && p.lon !== null ? distanceKm(tech.homeLat, tech.homeLon, p.lat, p.lon) : null;
            const tr = el(
              'tr',
              {},
              el(
                'td',
                {},
                el('a', { href: `#/work-order/${encodeURIComponent(o.id)}`, text: o.id }),
                ` ${o.deviceId} · ${labelOf('failureMode', o.mode)}`,
              ),
              el('td', { text: p.site || '—' }),
              el('td', { text: tech?.name ?? (o.technicianId || t('board.filter.unassigned')) }),
              el('td', { class: 'num', text: km === null ? '—' : t('board.where.km', { km: num(km, 0) }) }),
            );
            tr.dataset.workOrderId = o.id;
            return tr;
          })
        : [el('tr', {}, el('td', { colspan: '4', class: 'empty', text: t('board.where.noJobs') }))]),
    );
    const count = new Map<string, number>();
    for (const o of orders) if (o.technicianId) count.set(o.technicianId, (count.get(o.technicianId) ?? 0) + 1);
    // Those with jobs first, then by name.
    const sorted = [...technicians].sort(
      (a, b) => (count.get(b.id) ?? 0) - (count.get(a.id) ?? 0) || a.name.localeCompare(b.name),
    );
    people.replaceChildren(
      ...sorted.map((x) => {
        const tr = el(
          'tr',
          {},
          el('td', { text: x.name }),
          el('td', { class: 'num', text: num(count.get(x.id) ?? 0) }),
        );
        tr.dataset.technicianId = x.id;
        return tr;
      }),
    );
    map?.redraw();
  };

  const startMap = async (source: MapSource) => {
    if (!source.tileUrl) return;
    const { createJobMap } = await import('./board-map.ts');
    if (destroyed) return;
    mapHolder.hidden = false;
    map = createJobMap(mapHolder, source.tileUrl, source.attribution, () => ({
      jobs: orders.flatMap((o) => {
        const p = placeOf(o);
        if (p.lat === null || p.lon === null) return [];
        const tech = technicians.find((x) => x.id === o.technicianId);
        return [
          {
            lat: p.lat,
            lon: p.lon,
            label: `${o.id} · ${o.deviceId} · ${labelOf('failureMode', o.mode)}${tech ? ` → ${tech.name}` : ''}`,
            severity: o.severity ?? 'medium',
          },
        ];
      }),
      technicians: technicians.map((x) => ({ lat: x.homeLat, lon: x.homeLon, label: x.name })),
    }));
  };

  void api<{ technicians: TechnicianPlace[] }>('technicians')
    .then((r) => {
      technicians = r.technicians;
      render();
    })
    .catch(() => {});
  void api<MapSource>('map')
    .then(startMap)
    .catch(() => {});

  return {
    element,
    update(next) {
      orders = next;
      render();
    },
    destroy() {
      destroyed = true;
      map?.destroy();
    },
  };
}
