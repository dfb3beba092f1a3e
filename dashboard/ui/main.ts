// The skeleton dashboard: every device with its latest values and health, and the open work
// orders, kept live over socket.io (a snapshot on connect, then batched deltas).
import { io } from 'socket.io-client';
import type { DeviceSummary } from '../fleet-view.ts';
import type { WorkOrder } from '../../core/types.ts';

const devices = new Map<string, DeviceSummary>();
const orders = new Map<string, WorkOrder>();
const deviceRows = new Map<string, HTMLTableRowElement>();

const devicesBody = document.querySelector<HTMLTableSectionElement>('#devices tbody')!;
const ordersBody = document.querySelector<HTMLTableSectionElement>('#work-orders tbody')!;
const noOrders = document.querySelector<HTMLElement>('#no-orders')!;
const counts = document.querySelector<HTMLElement>('#counts')!;
const connection = document.querySelector<HTMLElement>('#connection')!;

const fmt = (v: number | undefined, digits: number) => (v === undefined ? '—' : v.toFixed(digits));
const time = (ms: number | null) => (ms === null ? '—' : new Date(ms).toLocaleTimeString());
const OPEN_STATES = new Set(['open', 'assigned', 'acknowledged', 'en_route', 'on_site']);

function healthColor(score: number): string {
  return score >= 80 ? 'var(--ok)' : score >= 50 ? 'var(--watch)' : 'var(--bad)';
}

function cell(row: HTMLTableRowElement, cls: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = cls;
  row.appendChild(td);
  return td;
}

function renderDevice(d: DeviceSummary): void {
  let row = deviceRows.get(d.deviceId);
  if (!row) {
    row = document.createElement('tr');
    row.dataset.deviceId = d.deviceId;
    for (const cls of ['id', 'model', 'num temperature', 'num vibration', 'health', 'state', 'why', 'num seen']) cell(row, cls);
    deviceRows.set(d.deviceId, row);
    const after = [...deviceRows.keys()].sort().indexOf(d.deviceId);
    devicesBody.insertBefore(row, devicesBody.children[after] ?? null);
  }
  const [id, model, temp, vib, health, state, why, seen] = Array.from(row.cells);
  id.textContent = d.deviceId;
  model.textContent = d.modelId ?? '—';
  temp.textContent = fmt(d.latest.temperature, 1);
  vib.textContent = fmt(d.latest.vibration, 2);
  const score = d.health?.score;
  health.innerHTML = '';
  if (score !== undefined) {
    const wrap = document.createElement('span');
    wrap.className = 'health';
    wrap.innerHTML = `<span class="bar" role="img" aria-label="health ${Math.round(score)} of 100"><span style="width:${score}%;background:${healthColor(score)}"></span></span>`;
    wrap.append(String(Math.round(score)));
    health.appendChild(wrap);
  } else health.textContent = '—';
  const st = d.health?.state ?? (d.status === 'offline' ? 'offline' : 'waiting');
  state.textContent = st.replace('_', ' ');
  state.className = `state state-${st}`;
  why.textContent = d.health?.explanation ?? '';
  seen.textContent = time(d.latestTsMs);
  row.dataset.health = score === undefined ? '' : String(Math.round(score));
  row.classList.remove('flash');
  void row.offsetWidth; // restart the flash animation
  row.classList.add('flash');
}

function renderOrders(): void {
  const open = [...orders.values()].filter((o) => OPEN_STATES.has(o.state)).sort((a, b) => b.createdAtMs - a.createdAtMs);
  ordersBody.innerHTML = '';
  for (const o of open) {
    const row = document.createElement('tr');
    row.dataset.workOrderId = o.id;
    row.dataset.deviceId = o.deviceId;
    const values = [o.id, o.deviceId, o.mode.replace('_', ' '), o.state.replace('_', ' '), o.evidence?.explanation ?? '', new Date(o.createdAtMs).toLocaleTimeString()];
    values.forEach((v, i) => (cell(row, i === 4 ? 'why' : '').textContent = v));
    ordersBody.appendChild(row);
  }
  noOrders.hidden = open.length > 0;
}

function renderCounts(): void {
  const all = [...devices.values()];
  const by = (pred: (d: DeviceSummary) => boolean) => all.filter(pred).length;
  const items: [string, number][] = [
    ['Devices', all.length],
    ['Healthy', by((d) => (d.health?.score ?? 100) >= 80)],
    ['At risk', by((d) => d.health !== null && d.health.score < 80)],
    ['Open work orders', [...orders.values()].filter((o) => OPEN_STATES.has(o.state)).length],
  ];
  counts.innerHTML = items.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('');
}

const socket = io({ transports: ['websocket'], autoConnect: false });
socket.on('connect_error', (err) => {
  if (err.message === 'login required') showLogin();
});
socket.on('connect', () => {
  connection.textContent = 'live';
  connection.className = 'live';
  // On a reconnect, ask for the whole state rather than trust what we had.
  socket.emit('resync');
});
socket.on('disconnect', () => {
  connection.textContent = 'reconnecting…';
  connection.className = 'down';
});
socket.on('snapshot', (snap: { devices: DeviceSummary[]; workOrders: WorkOrder[] }) => {
  devices.clear();
  orders.clear();
  deviceRows.clear();
  devicesBody.innerHTML = '';
  for (const d of snap.devices) devices.set(d.deviceId, d);
  for (const o of snap.workOrders) orders.set(o.id, o);
  for (const d of devices.values()) renderDevice(d);
  renderOrders();
  renderCounts();
});
socket.on('delta', (delta: { devices: DeviceSummary[]; workOrders: WorkOrder[] }) => {
  for (const d of delta.devices) {
    devices.set(d.deviceId, d);
    renderDevice(d);
  }
  for (const o of delta.workOrders) orders.set(o.id, o);
  if (delta.workOrders.length) renderOrders();
  renderCounts();
});

function showLogin(): void {
  document.querySelector<HTMLElement>('#app')!.hidden = true;
  document.querySelector<HTMLElement>('#login')!.hidden = false;
  document.querySelector<HTMLInputElement>('#login-email')!.focus();
}

function showApp(): void {
  document.querySelector<HTMLElement>('#login')!.hidden = true;
  document.querySelector<HTMLElement>('#app')!.hidden = false;
  socket.connect();
}

document.querySelector<HTMLFormElement>('#login-form')!.addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target as HTMLFormElement);
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
  });
  if (res.ok) showApp();
  else document.querySelector<HTMLElement>('#login-error')!.textContent = ((await res.json()) as { message: string }).message;
});

const me = await fetch('/api/auth/me');
if (me.ok) showApp();
else showLogin();
