// Planner: the fleet at a glance — counts by state, filters, a health grid that scales to
// thousands of devices (one small tile each), and the list of devices needing attention.
import type { DeviceSummary } from '../../fleet-view.ts';
import { el, healthColor } from '../format.ts';
import { explain } from '../explain.ts';
import { countFleet, FLEET_STATES, fleetStateOf as stateOf, sensorFaultNow } from '../fleet-state.ts';
import { labelOf, num, t, time } from '../i18n.ts';
import { loadModelNames, modelName } from '../model-names.ts';
import { live } from '../state.ts';
import { alertList } from './alert-list.ts';
import { tileGrid } from './tile-grid.ts';

function why(d: DeviceSummary): string {
  if (sensorFaultNow(d) && d.health?.state !== 'sensor_fault') {
    const f = d.sensorFault!;
    return t('why.impossibleValue', { metric: labelOf('metric', f.metric), value: num(f.value, 2) });
  }
  return explain(d.health);
}

export function fleetView(root: HTMLElement): () => void {
  const counts = el('dl', { class: 'counts', id: 'counts' });
  const search = el('input', { id: 'fleet-search', type: 'search', placeholder: t('fleet.searchPlaceholder') });
  const model = el('select', { id: 'fleet-model' }, el('option', { value: '', text: t('fleet.allModels') }));
  const site = el('select', { id: 'fleet-site' }, el('option', { value: '', text: t('fleet.allSites') }));
  const health = el(
    'select',
    { id: 'fleet-health' },
    el('option', { value: '', text: t('fleet.anyHealth') }),
    el('option', { value: 'at risk', text: t('fleet.atRisk') }),
    ...FLEET_STATES.map((v) => el('option', { value: v, text: labelOf('fleetState', v) })),
  );
  const grid = tileGrid({
    id: 'health-grid',
    label: t('fleet.gridLabel'),
    href: (id) => `#/device/${encodeURIComponent(id)}`,
    paint: (tile, id) => {
      const d = live.devices.get(id);
      if (d) paintTile(tile, d);
    },
  });
  // One Tab past the grid, however many devices: to the alerts (a hash link would change the route).
  const skipGrid = el('a', { href: '#alerts-title', class: 'skip-inline', id: 'skip-grid', text: t('fleet.skipGrid') });
  skipGrid.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('alerts-title')?.focus();
  });
  const gridHelp = el('p', { class: 'hint', id: 'grid-help', text: t('fleet.gridHelp') });
  grid.element.setAttribute('aria-describedby', 'grid-help');
  const attention = el('tbody');
  const attentionEmpty = el('p', { class: 'empty', id: 'attention-empty' });
  // Wide on a phone: the table scrolls inside its box rather than the page sideways.
  const attentionBox = el(
    'div',
    { class: 'table-scroll', id: 'devices-box' },
    el(
      'table',
      { id: 'devices' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            t('fleet.col.device'),
            t('fleet.col.model'),
            t('fleet.col.site'),
            t('fleet.col.temperature'),
            t('fleet.col.vibration'),
            t('fleet.col.health'),
            t('fleet.col.state'),
            t('fleet.col.why'),
            t('fleet.col.lastReading'),
          ].map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
      attention,
    ),
  );
  const alerts = alertList();
  root.append(
    el('section', { class: 'summary', 'aria-label': t('fleet.summaryLabel') }, counts),
    el(
      'section',
      { 'aria-labelledby': 'grid-title' },
      el('h2', { id: 'grid-title', text: t('fleet.healthTitle') }),
      el(
        'div',
        { class: 'filters' },
        el('label', { for: 'fleet-search', text: t('fleet.search') }),
        search,
        el('label', { for: 'fleet-model', text: t('fleet.model') }),
        model,
        el('label', { for: 'fleet-site', text: t('fleet.site') }),
        site,
        el('label', { for: 'fleet-health', text: t('fleet.health') }),
        health,
      ),
      skipGrid,
      grid.element,
      gridHelp,
    ),
    el(
      'section',
      { 'aria-labelledby': 'alerts-title' },
      el('h2', { id: 'alerts-title', tabindex: '-1', text: t('fleet.alertsTitle') }),
      alerts.element,
    ),
    el(
      'section',
      { 'aria-labelledby': 'attention-title' },
      el('h2', { id: 'attention-title', text: t('fleet.attentionTitle') }),
      attentionEmpty,
      attentionBox,
    ),
  );

  const matches = (d: DeviceSummary) => {
    const q = search.value.trim().toLowerCase();
    if (q && !d.deviceId.toLowerCase().includes(q)) return false;
    if (model.value && d.modelId !== model.value) return false;
    if (site.value && d.site !== site.value) return false;
    const s = stateOf(d);
    if (health.value === 'at risk') return s === 'alarm' || s === 'watch';
    if (health.value) return s === health.value;
    return true;
  };
  const paintTile = (tileEl: HTMLAnchorElement, d: DeviceSummary) => {
    const score = d.health?.score;
    const s = stateOf(d);
    // The colour is the state the counts count it in (a grey offline tile, not its last green score).
    tileEl.className = `tile s-${s}`;
    tileEl.title = t('fleet.tileTitle', {
      device: d.deviceId,
      model: d.modelId ? modelName(d.modelId) : 'none',
      known: score === undefined || s === 'offline' || s === 'silent' || s === 'never_seen' ? 'no' : 'yes',
      score: Math.round(score ?? 0),
      state: labelOf('fleetState', s),
    });
    tileEl.setAttribute('aria-label', tileEl.title);
    // The reading's time: bench:dashboard measures publish → DOM from it.
    if (d.latestTsMs !== null) tileEl.dataset.ts = String(d.latestTsMs);
  };
  /** Which devices the grid shows (those the filters let through, by id), and whether each is among them. */
  let shown = new Set<string>();
  const refilter = () => {
    const ids = [...live.devices.values()]
      .filter(matches)
      .map((d) => d.deviceId)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    shown = new Set(ids);
    grid.setItems(ids);
    grid.element.dataset.count = String(ids.length);
  };
  const row = (d: DeviceSummary) => {
    const tr = el('tr');
    tr.dataset.deviceId = d.deviceId;
    const link = el('a', { href: `#/device/${encodeURIComponent(d.deviceId)}`, text: d.deviceId });
    const score = d.health?.score;
    const bar = el('span', { class: 'health' });
    if (score !== undefined) {
      const b = el(
        'span',
        { class: 'bar', role: 'img', 'aria-label': t('fleet.healthBar', { score: Math.round(score) }) },
        el('span', { style: `width:${score}%;background:${healthColor(score)}` }),
      );
      bar.append(b, String(Math.round(score)));
    } else bar.textContent = '—';
    const s = stateOf(d);
    tr.append(
      el('td', {}, link),
      el('td', { text: d.modelId ? modelName(d.modelId) : '—', title: d.modelId ?? '' }),
      el('td', { text: d.site ?? '—' }),
      el('td', { class: 'num temperature', text: num(d.latest.temperature, 1) }),
      el('td', { class: 'num vibration', text: num(d.latest.vibration, 2) }),
      el('td', {}, bar),
      // An alarm says which (warning, critical), as the health line does.
      s === 'alarm'
        ? el('td', { class: `state state-${d.health!.state}`, text: labelOf('deviceState', d.health!.state) })
        : el('td', { class: `state state-${s}`, text: labelOf('fleetState', s) }),
      el('td', { class: 'why', text: why(d) }),
      // In the site's zone: the reading's local time where the machine stands.
      el('td', { class: 'num seen', text: time(d.latestTsMs, d.timeZone) }),
    );
    return tr;
  };
  // Every device counted once, in its one state: the states add up to the devices. Each count is
  // a button that shows those devices in the grid.
  const renderCounts = () => {
    const c = countFleet(live.devices.values());
    const item = (key: string, label: string, value: number, state?: string) => {
      const dd = el('dd');
      if (state) {
        const b = el('button', { type: 'button', class: 'count', 'aria-pressed': String(health.value === state) });
        b.append(num(value));
        b.addEventListener('click', () => {
          health.value = health.value === state ? '' : state;
          renderAll();
        });
        dd.append(b);
      } else dd.textContent = num(value);
      const div = el('div', { class: `count-${key}` }, el('dt', { text: label }), dd);
      div.dataset.state = key;
      return div;
    };
    counts.replaceChildren(
      item('total', t('fleet.count.devices'), c.total),
      ...FLEET_STATES.map((s) => item(s, t(`fleet.count.${s}`), c[s], s)),
      item('open-work-orders', t('fleet.count.openWorkOrders'), live.activeOrders().length),
    );
  };
  const renderAttention = () => {
    // Worst first; every device when the filter asks for a state, else those below 95 or offline.
    const list = [...live.devices.values()]
      .filter(
        (d) =>
          matches(d) &&
          (health.value ||
            (d.health?.score ?? 100) < 95 ||
            ['offline', 'silent', 'sensor_fault', 'alarm', 'watch'].includes(stateOf(d)) ||
            live.devices.size <= 50),
      )
      .sort((a, b) => (a.health?.score ?? 101) - (b.health?.score ?? 101) || a.deviceId.localeCompare(b.deviceId))
      .slice(0, 100);
    attention.replaceChildren(...list.map(row));
    // An empty table with only its headings reads as "still loading": say there is nothing, in
    // a line of its own (a cell of the wide table would be cut off on a phone).
    attentionBox.hidden = list.length === 0;
    attentionEmpty.hidden = list.length > 0;
    attentionEmpty.textContent = list.length
      ? ''
      : t(search.value || model.value || site.value || health.value ? 'fleet.attentionNoMatch' : 'fleet.attentionNone');
  };
  const renderAll = () => {
    const models = new Set([...live.devices.values()].map((d) => d.modelId).filter(Boolean) as string[]);
    if (model.options.length !== models.size + 1) {
      const keep = model.value;
      model.replaceChildren(
        el('option', { value: '', text: t('fleet.allModels') }),
        ...[...models]
          .sort((a, b) => modelName(a).localeCompare(modelName(b)))
          .map((m) => el('option', { value: m, text: modelName(m) })),
      );
      model.value = keep;
    }
    const sites = new Set([...live.devices.values()].map((d) => d.site).filter(Boolean) as string[]);
    if (site.options.length !== sites.size + 1) {
      const keep = site.value;
      site.replaceChildren(
        el('option', { value: '', text: t('fleet.allSites') }),
        ...[...sites].sort().map((m) => el('option', { value: m, text: m })),
      );
      site.value = keep;
    }
    refilter();
    renderCounts();
    renderAttention();
  };
  for (const input of [search, model, site, health]) input.addEventListener('input', renderAll);
  renderAll();
  // The models by name once the catalogue's names are in: the filter's options again, the tiles and table repainted.
  let closed = false;
  void loadModelNames().then(() => {
    if (closed) return;
    const keep = model.value;
    model.replaceChildren();
    renderAll();
    // A tile is painted when it is first rendered: those already there still name the model by id.
    grid.repaint();
    model.value = keep;
  });
  let pending = false;
  let lastSummary = 0;
  let relistDue = false;
  const unsubscribe = live.subscribe(({ devices, snapshot }) => {
    if (snapshot) return renderAll();
    // Only rendered tiles are painted; a device entering or leaving the filtered set (new, or its
    // state moved across a state filter) re-lists the grid once this frame.
    let relist = false;
    for (const d of devices) {
      if (shown.has(d.deviceId) !== matches(d)) relist = true;
      else grid.update(d.deviceId);
    }
    // The counts and the table at most twice a second, however many deltas arrive: at 10,000
    // devices they walk the whole fleet.
    if (!pending) {
      pending = true;
      const wait = Math.max(0, lastSummary + 500 - performance.now());
      setTimeout(() => {
        requestAnimationFrame(() => {
          pending = false;
          lastSummary = performance.now();
          if (relistDue) {
            relistDue = false;
            refilter();
          }
          renderCounts();
          renderAttention();
        });
      }, wait);
    }
    if (relist) relistDue = true;
  });
  return () => {
    closed = true;
    unsubscribe();
    grid.destroy();
    alerts.destroy();
  };
}
