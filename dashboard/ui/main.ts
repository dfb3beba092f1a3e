// The dashboard: login, then the views a role needs (planner/admin: fleet, device detail,
// work-order board, KPIs; technician: my dispatches), kept live over socket.io — a snapshot on
// connect and on every reconnect (never stale), then batched deltas.
import { io } from 'socket.io-client';
import type { DeviceSummary } from '../fleet-view.ts';
import { api, type Me } from './api.ts';
import { el } from './format.ts';
import { live, type WorkOrderView } from './state.ts';
import { boardView } from './views/board.ts';
import { deviceView } from './views/device.ts';
import { fleetView } from './views/fleet.ts';
import { kpiView } from './views/kpis.ts';
import { techView } from './views/tech.ts';

const main = document.querySelector<HTMLElement>('#app')!;
const view = document.querySelector<HTMLElement>('#view')!;
const nav = document.querySelector<HTMLElement>('#nav')!;
const connection = document.querySelector<HTMLElement>('#connection')!;
const loginSection = document.querySelector<HTMLElement>('#login')!;

const socket = io({ transports: ['websocket'], autoConnect: false });
socket.on('connect', () => {
  connection.textContent = 'live';
  connection.className = 'live';
  socket.emit('resync'); // after a reconnect: the whole state, not what we had
});
socket.on('disconnect', () => {
  connection.textContent = 'reconnecting…';
  connection.className = 'down';
});
socket.on('connect_error', (err) => {
  if (err.message === 'login required') showLogin();
});
// The server closes the live connection with the session (signed out elsewhere, or expired).
socket.on('session-ended', ({ reason }: { reason: string }) => {
  showLogin();
  document.querySelector<HTMLElement>('#login-error')!.textContent = reason === 'session expired' ? 'Your session expired; please sign in again.' : 'You were signed out.';
});
socket.on('snapshot', (s: { devices: DeviceSummary[]; workOrders: WorkOrderView[] }) => live.snapshot(s.devices, s.workOrders));
socket.on('delta', (d: { devices: DeviceSummary[]; workOrders: WorkOrderView[] }) => live.delta(d.devices, d.workOrders));

let me: Me | null = null;
let cleanup: (() => void) | null = null;

function route(): void {
  if (!me) return;
  cleanup?.();
  view.replaceChildren();
  const hash = location.hash || (me.role === 'technician' ? '#/tech' : '#/fleet');
  const [, page, id] = hash.split('/');
  for (const a of nav.querySelectorAll('a')) a.setAttribute('aria-current', a.getAttribute('href') === `#/${page}` ? 'page' : 'false');
  if (me.role === 'technician') {
    cleanup = page === 'device' && id ? deviceView(view, decodeURIComponent(id), socket) : techView(view);
  } else if (page === 'device' && id) cleanup = deviceView(view, decodeURIComponent(id), socket);
  else if (page === 'work-orders') cleanup = boardView(view, id);
  else if (page === 'kpis') cleanup = kpiView(view);
  else cleanup = fleetView(view);
  view.focus();
}

function showLogin(): void {
  me = null;
  main.hidden = true;
  loginSection.hidden = false;
  document.querySelector<HTMLInputElement>('#login-email')!.focus();
}

async function showApp(): Promise<void> {
  const r = await api<{ user: Me | null }>('auth/me').catch(() => ({ user: null }));
  if (!r.user) return showLogin();
  me = r.user;
  loginSection.hidden = true;
  main.hidden = false;
  const links: [string, string][] = me.role === 'technician' ? [['#/tech', 'My dispatches']] : [['#/fleet', 'Fleet'], ['#/work-orders', 'Work orders'], ['#/kpis', 'KPIs']];
  nav.replaceChildren(...links.map(([href, text]) => el('a', { href, text })), el('span', { class: 'who', text: `${me.name} (${me.role})` }), logoutButton());
  socket.connect();
  route();
}

function logoutButton(): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'secondary', text: 'Sign out' });
  b.addEventListener('click', async () => {
    await api('auth/logout', { method: 'POST' }).catch(() => {});
    socket.disconnect();
    showLogin();
  });
  return b;
}

document.querySelector<HTMLFormElement>('#login-form')!.addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target as HTMLFormElement);
  const error = document.querySelector<HTMLElement>('#login-error')!;
  try {
    await api('auth/login', { method: 'POST', body: { email: form.get('email'), password: form.get('password') } });
    error.textContent = '';
    await showApp();
  } catch (err) {
    error.textContent = (err as Error).message;
  }
});

window.addEventListener('hashchange', route);
void showApp();
