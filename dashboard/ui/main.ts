// The dashboard: login, then the views a role needs (planner/admin: fleet, device detail,
// work-order board, KPIs, product catalogue; technician: my dispatches), kept live over socket.io — a snapshot on
// connect and on every reconnect (never stale), then batched deltas.
import { io } from 'socket.io-client';
import './control-room.css';
import type { Alert } from '../alerts/alert-book.ts';
import type { DeviceSummary } from '../fleet-view.ts';
import { api, ApiError, onUnauthorized, type Me } from './api.ts';
import { el } from './format.ts';
import { language, setLanguage, t } from './i18n.ts';
import { isLanguage, LANGUAGES } from '../../core/i18n/index.ts';
import { forgetAll, rememberedMe, rememberMe } from './field-store.ts';
import { live, type WorkOrderView } from './state.ts';
import { boardView } from './views/board.ts';
import { customersView, customerView } from './views/customers.ts';
import { catalogueView } from './views/catalogue.ts';
import { workOrderView } from './views/work-order.ts';
import { deviceView } from './views/device.ts';
import { fleetView } from './views/fleet.ts';
import { kpiView } from './views/kpis.ts';
import { techView } from './views/tech.ts';

const main = document.querySelector<HTMLElement>('#app')!;
const view = document.querySelector<HTMLElement>('#view')!;
const nav = document.querySelector<HTMLElement>('#nav')!;
const connection = document.querySelector<HTMLElement>('#connection')!;
const loginSection = document.querySelector<HTMLElement>('#login')!;
const languageSelect = document.querySelector<HTMLSelectElement>('#language')!;

// The live connection. socket.io retries a lost transport by itself (with backoff); what it
// does not retry is a connection the server refused (no session) or closed (the session ended):
// those bring the sign-in form back saying why. The header says the connection's real state,
// and nothing at all while nobody is signed in.
const socket = io({
  transports: ['websocket'],
  autoConnect: false,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 10_000,
});
type ConnectionState =
  | { kind: 'signed-out' }
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'down'; attempt: number };
let connectionState: ConnectionState = { kind: 'signed-out' };
const retryButton = el('button', { type: 'button', id: 'connection-retry', class: 'secondary small' });
retryButton.hidden = true;
connection.after(retryButton);
retryButton.addEventListener('click', () => {
  // Now rather than at the next backoff step: a fresh manager connection.
  socket.disconnect();
  setConnection({ kind: 'connecting' });
  socket.connect();
});
const showConnection = () => {
  const c = connectionState;
  connection.hidden = c.kind === 'signed-out';
  connection.className = c.kind;
  connection.textContent =
    c.kind === 'signed-out' ? '' : t(`connection.${c.kind}`, { attempt: c.kind === 'down' ? c.attempt : 0 });
  retryButton.textContent = t('connection.retryNow');
  retryButton.hidden = c.kind !== 'down';
};
const setConnection = (c: ConnectionState) => {
  connectionState = c;
  showConnection();
};
socket.on('connect', () => {
  setConnection({ kind: 'live' });
  socket.emit('resync'); // after a reconnect: the whole state, not what we had
});
socket.on('disconnect', (reason) => {
  if (!me || reason === 'io client disconnect') return;
  // The server closed it without a session-ended (a restart, a kick): try again ourselves.
  if (reason === 'io server disconnect') socket.connect();
  setConnection({ kind: 'down', attempt: 1 });
});
socket.io.on('reconnect_attempt', (attempt) => {
  if (me) setConnection({ kind: 'down', attempt });
});
socket.on('connect_error', (err) => {
  // The handshake had no valid session: it expired (or ended) while we were away.
  if (err.message === 'login required') sessionLost('login.sessionExpired');
  else if (me && connectionState.kind !== 'down') setConnection({ kind: 'down', attempt: 1 });
});
// The server closes the live connection with the session (signed out elsewhere, or expired).
socket.on('session-ended', ({ reason }: { reason: string }) =>
  sessionLost(reason === 'session expired' ? 'login.sessionExpired' : 'login.signedOut'),
);
// Any API call answered 401 while signed in: the session is gone.
onUnauthorized(() => {
  if (me) sessionLost('login.sessionExpired');
});

/** Back to the sign-in form saying why; the page's address stays, so signing in returns to it. */
function sessionLost(why: 'login.sessionExpired' | 'login.signedOut'): void {
  socket.disconnect();
  showLogin();
  document.querySelector<HTMLElement>('#login-error')!.textContent = t(why);
}
socket.on('snapshot', (s: { devices: DeviceSummary[]; workOrders: WorkOrderView[]; alerts?: Alert[] }) =>
  live.snapshot(s.devices, s.workOrders, s.alerts),
);
socket.on('delta', (d: { devices: DeviceSummary[]; workOrders: WorkOrderView[]; alerts?: Alert[] }) =>
  live.delta(d.devices, d.workOrders, d.alerts),
);

let me: Me | null = null;
let cleanup: (() => void) | null = null;

function route(): void {
  if (!me) return;
  cleanup?.();
  view.replaceChildren();
  const hash = location.hash || (me.role === 'technician' ? '#/tech' : '#/fleet');
  const [, page, id] = hash.split('/');
  for (const a of nav.querySelectorAll('a'))
    a.setAttribute('aria-current', a.getAttribute('href') === `#/${page}` ? 'page' : 'false');
  if (me.role === 'technician') {
    cleanup =
      page === 'device' && id
        ? deviceView(view, decodeURIComponent(id), socket, { technician: true })
        : techView(view, me);
  } else if (page === 'device' && id) cleanup = deviceView(view, decodeURIComponent(id), socket);
  else if (page === 'work-orders') cleanup = boardView(view, id);
  else if (page === 'work-order' && id) cleanup = workOrderView(view, decodeURIComponent(id));
  else if (page === 'kpis') cleanup = kpiView(view);
  else if (page === 'customers') cleanup = id ? customerView(view, decodeURIComponent(id)) : customersView(view);
  else if (page === 'catalogue') cleanup = catalogueView(view);
  else cleanup = fleetView(view);
  view.focus();
}

function showLogin(): void {
  me = null;
  cleanup?.();
  cleanup = null;
  view.replaceChildren();
  setConnection({ kind: 'signed-out' });
  nav.replaceChildren(); // nobody's navigation or name on the sign-in page
  main.hidden = true;
  loginSection.hidden = false;
  document.querySelector<HTMLInputElement>('#login-email')!.focus();
}

async function showApp(): Promise<void> {
  // Unreachable (offline, not a 401): a technician who signed in on this phone before gets their
  // app from what it kept (field-store.ts); the socket connects, and the server checks the session, once back.
  const r = await api<{ user: Me | null }>('auth/me').catch((err: unknown) => ({
    user: err instanceof ApiError ? null : rememberedMe(),
  }));
  if (!r.user) return showLogin();
  me = r.user;
  if (me.role === 'technician') rememberMe(me);
  loginSection.hidden = true;
  main.hidden = false;
  // The user's own choice; without one, what the sign-in page showed (the browser's, or picked there).
  setLanguage(me.language ?? language());
  languageSelect.value = language();
  renderNav();
  setConnection({ kind: 'connecting' });
  socket.connect();
  route();
}

function renderNav(): void {
  if (!me) return;
  const links: [string, string][] =
    me.role === 'technician'
      ? [['#/tech', t('nav.myDispatches')]]
      : [
          ['#/fleet', t('nav.fleet')],
          ['#/work-orders', t('nav.workOrders')],
          ['#/customers', t('nav.customers')],
          ['#/kpis', t('nav.kpis')],
          ['#/catalogue', t('nav.catalogue')],
        ];
  nav.replaceChildren(
    ...links.map(([href, text]) => el('a', { href, text })),
    el('span', { class: 'who', text: t('nav.who', { name: me.name, role: t(`role.${me.role}`) }) }),
    logoutButton(),
  );
}

// The language switch: kept for the user (PATCH /api/auth/me) when signed in, for this browser always.
for (const lang of LANGUAGES) languageSelect.append(el('option', { value: lang, text: t(`language.${lang}`), lang }));
languageSelect.value = language();
languageSelect.addEventListener('change', async () => {
  const lang = languageSelect.value;
  if (!isLanguage(lang)) return;
  setLanguage(lang, true);
  showConnection();
  if (me) {
    try {
      me = (await api<{ user: Me }>('auth/me', { method: 'PATCH', body: { language: lang } })).user;
    } catch {
      // shown in this language anyway; kept for the user on the next successful switch
    }
    renderNav();
    route();
  }
});

function logoutButton(): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'secondary', text: t('nav.signOut') });
  b.addEventListener('click', async () => {
    await api('auth/logout', { method: 'POST' }).catch(() => {});
    forgetAll(); // signed out on purpose: this phone keeps nobody's jobs, sites or unsent changes
    socket.disconnect();
    showLogin();
    document.querySelector<HTMLElement>('#login-error')!.textContent = '';
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
    document.querySelector<HTMLInputElement>('#login-password')!.value = '';
    await showApp();
  } catch (err) {
    error.textContent = loginFailure(err);
  }
});

/** Why a sign-in failed, in the user's language (the API's own message is English, for tools). */
function loginFailure(err: unknown): string {
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 401) return t('login.wrongPassword');
  if (status === 429) return t('login.tooManyAttempts');
  if (status === 503) return t('login.busy');
  return t('login.failed', { reason: (err as Error).message });
}

// The technician app's offline shell (sw.ts). Registered for every role: the worker caches only
// the page and its assets, never the API.
if ('serviceWorker' in navigator)
  navigator.serviceWorker.register('/sw.js').catch(() => {
    // no worker (an insecure origin, a private window): the app works online as before
  });
window.addEventListener('hashchange', route);
setLanguage(language());
showConnection();
void showApp();
