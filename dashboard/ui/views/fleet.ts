// Planner: the fleet at a glance — counts by state, filters, a health grid that scales to
// thousands of devices (one small tile each), and the list of devices needing attention.
import type { DeviceSummary } from '../../fleet-view.ts';
import { el, fmt, healthColor, label, time } from '../format.ts';
import { live } from '../state.ts';

/** The device's latest message was a physically impossible value (rejected as a sensor fault). */
function sensorFaultNow(d: DeviceSummary): boolean {
  return d.sensorFault !== null && (d.latestTsMs === null || d.sensorFault.tsMs >= d.latestTsMs);
}

function stateOf(d: DeviceSummary): string {
  if (d.status === 'offline' || d.status === 'silent') return d.status;
  if (sensorFaultNow(d)) return 'sensor_fault';
  return d.health?.state ?? 'waiting';
}

function why(d: DeviceSummary): string {
  return sensorFaultNow(d) && d.health?.state !== 'sensor_fault' ? d.sensorFault!.reason : (d.health?.explanation ?? '');
}

export function fleetView(root: HTMLElement): () => void {
  const counts = el('dl', { class: 'counts', id: 'counts' });
  const search = el('input', { id: 'fleet-search', type: 'search', placeholder: 'device id…' });
  const model = el('select', { id: 'fleet-model' }, el('option', { value: '', text: 'all models' }));
  const site = el('select', { id: 'fleet-site' }, el('option', { value: '', text: 'all sites' }));
  const health = el('select', { id: 'fleet-health' }, ...['', 'at risk', 'critical', 'sensor_fault', 'offline', 'healthy'].map((v) => el('option', { value: v, text: v ? label(v) : 'any health' })));
  const grid = el('div', { class: 'grid', id: 'health-grid', role: 'list', 'aria-label': 'Device health grid' });
  const attention = el('tbody');
  const alerts = el('ol', { id: 'alerts', class: 'alerts', 'aria-live': 'polite' });
  root.append(
    el('section', { class: 'summary', 'aria-label': 'Fleet summary' }, counts),
    el('section', { 'aria-labelledby': 'grid-title' },
      el('h2', { id: 'grid-title', text: 'Fleet health' }),
      el('div', { class: 'filters' },
        el('label', { for: 'fleet-search', text: 'Search' }), search,
        el('label', { for: 'fleet-model', text: 'Model' }), model,
        el('label', { for: 'fleet-site', text: 'Site' }), site,
        el('label', { for: 'fleet-health', text: 'Health' }), health),
      grid),
    el('section', { 'aria-labelledby': 'alerts-title' }, el('h2', { id: 'alerts-title', text: 'Live alerts' }), alerts),
    el('section', { 'aria-labelledby': 'attention-title' },
      el('h2', { id: 'attention-title', text: 'Needs attention' }),
      el('table', { id: 'devices' },
        el('thead', {}, el('tr', {}, ...['Device', 'Model', 'Site', 'Temperature °C', 'Vibration mm/s', 'Health', 'State', 'Why', 'Last reading'].map((h) => el('th', { scope: 'col', text: h })))),
        attention)),
  );

  const tiles = new Map<string, HTMLAnchorElement>();
  const matches = (d: DeviceSummary) => {
    const q = search.value.trim().toLowerCase();
    if (q && !d.deviceId.toLowerCase().includes(q)) return false;
    if (model.value && d.modelId !== model.value) return false;
    if (site.value && d.site !== site.value) return false;
    const s = stateOf(d);
    if (health.value === 'at risk') return (d.health?.score ?? 100) < 80;
    if (health.value) return s === health.value;
    return true;
  };
  const tile = (d: DeviceSummary) => {
    let t = tiles.get(d.deviceId);
    if (!t) {
      t = el('a', { href: `#/device/${encodeURIComponent(d.deviceId)}`, role: 'listitem', class: 'tile' });
      t.dataset.deviceId = d.deviceId;
      tiles.set(d.deviceId, t);
    }
    const score = d.health?.score;
    const s = stateOf(d);
    t.style.background = s === 'offline' || s === 'silent' ? '#4b5563' : score === undefined ? '#2d3742' : healthColor(score);
    t.title = `${d.deviceId}: ${score === undefined ? 'no health yet' : `health ${Math.round(score)}`} (${label(s)})`;
    t.setAttribute('aria-label', t.title);
    // The reading's time: bench:dashboard measures publish → DOM from it.
    if (d.latestTsMs !== null) t.dataset.ts = String(d.latestTsMs);
    t.hidden = !matches(d);
    return t;
  };
  const row = (d: DeviceSummary) => {
    const tr = el('tr');
    tr.dataset.deviceId = d.deviceId;
    const link = el('a', { href: `#/device/${encodeURIComponent(d.deviceId)}`, text: d.deviceId });
    const score = d.health?.score;
    const bar = el('span', { class: 'health' });
    if (score !== undefined) {
      const b = el('span', { class: 'bar', role: 'img', 'aria-label': `health ${Math.round(score)} of 100` }, el('span', { style: `width:${score}%;background:${healthColor(score)}` }));
      bar.append(b, String(Math.round(score)));
    } else bar.textContent = '—';
    const s = stateOf(d);
    tr.append(
      el('td', {}, link),
      el('td', { text: d.modelId ?? '—' }),
      el('td', { text: d.site ?? '—' }),
      el('td', { class: 'num temperature', text: fmt(d.latest.temperature, 1) }),
      el('td', { class: 'num vibration', text: fmt(d.latest.vibration, 2) }),
      el('td', {}, bar),
      el('td', { class: `state state-${s}`, text: label(s) }),
      el('td', { class: 'why', text: why(d) }),
      el('td', { class: 'num seen', text: time(d.latestTsMs) }),
    );
    return tr;
  };
  const renderCounts = () => {
    const all = [...live.devices.values()];
    const by = (p: (d: DeviceSummary) => boolean) => all.filter(p).length;
    counts.replaceChildren(
      ...([
        ['Devices', all.length],
        ['Healthy', by((d) => (d.health?.score ?? 100) >= 80 && stateOf(d) !== 'offline')],
        ['At risk', by((d) => d.health !== null && d.health.score < 80)],
        ['Offline / silent', by((d) => d.status === 'offline' || d.status === 'silent')],
        ['Open work orders', live.activeOrders().length],
      ] as const).map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: String(v) }))),
    );
  };
  const renderAttention = () => {
    // Worst first; every device when the filter asks for a state, else those below 95 or offline.
    const list = [...live.devices.values()]
      .filter((d) => matches(d) && (health.value || (d.health?.score ?? 100) < 95 || d.status === 'offline' || d.status === 'silent' || live.devices.size <= 50))
      .sort((a, b) => (a.health?.score ?? 101) - (b.health?.score ?? 101) || a.deviceId.localeCompare(b.deviceId))
      .slice(0, 100);
    attention.replaceChildren(...list.map(row));
  };
  const renderAll = () => {
    const models = new Set([...live.devices.values()].map((d) => d.modelId).filter(Boolean) as string[]);
    if (model.options.length !== models.size + 1) {
      const keep = model.value;
      model.replaceChildren(el('option', { value: '', text: 'all models' }), ...[...models].sort().map((m) => el('option', { value: m, text: m })));
      model.value = keep;
    }
    const sites = new Set([...live.devices.values()].map((d) => d.site).filter(Boolean) as string[]);
    if (site.options.length !== sites.size + 1) {
      const keep = site.value;
      site.replaceChildren(el('option', { value: '', text: 'all sites' }), ...[...sites].sort().map((m) => el('option', { value: m, text: m })));
      site.value = keep;
    }
    grid.replaceChildren(...[...live.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId)).map(tile));
    renderCounts();
    renderAttention();
  };
  // Alerts: a device getting worse (watch → warning → critical, a sensor fault, going silent or
  // offline) and every new work order, newest first.
  const RANK: Record<string, number> = { healthy: 0, warming_up: 0, waiting: 0, watch: 1, warning: 2, sensor_fault: 2, silent: 2, offline: 2, critical: 3 };
  const lastState = new Map<string, string>();
  const seenOrders = new Set<string>();
  const alert = (text: string, cls: string, href: string) => {
    alerts.prepend(el('li', { class: cls }, el('time', { text: new Date().toLocaleTimeString() }), ' ', el('a', { href, text })));
    while (alerts.children.length > 50) alerts.lastElementChild!.remove();
  };
  const watchAlerts = (devices: DeviceSummary[], first: boolean) => {
    for (const d of devices) {
      const s = stateOf(d);
      const before = lastState.get(d.deviceId);
      lastState.set(d.deviceId, s);
      if (!first && before !== undefined && (RANK[s] ?? 0) > (RANK[before] ?? 0)) {
        alert(`${d.deviceId}: ${label(before)} → ${label(s)} — ${why(d)}`, `alert state-${s}`, `#/device/${encodeURIComponent(d.deviceId)}`);
      }
    }
  };
  for (const o of live.workOrders.values()) seenOrders.add(o.id);
  watchAlerts([...live.devices.values()], true);
  for (const input of [search, model, site, health]) input.addEventListener('input', renderAll);
  renderAll();
  let pending = false;
  const unsubscribe = live.subscribe(({ devices, workOrders, snapshot }) => {
    watchAlerts(devices, snapshot && lastState.size === 0);
    for (const o of workOrders) {
      if (seenOrders.has(o.id)) continue;
      seenOrders.add(o.id);
      if (!snapshot) alert(`${o.id} opened: ${o.deviceId} ${label(o.mode)}${o.technicianId ? ` → ${o.technicianId}` : ''}`, 'alert work-order', `#/work-orders/${o.id}`);
    }
    if (snapshot) return renderAll();
    for (const d of devices) {
      const known = tiles.has(d.deviceId);
      const t = tile(d);
      if (!known) grid.append(t);
    }
    // The table and counts at most every animation frame, however many deltas arrive.
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        renderCounts();
        renderAttention();
      });
    }
  });
  return unsubscribe;
}
