// The technician app's service worker (served as /sw.js, scope /): the app's shell offline. It
// keeps the page and its bundled assets, never the API: a job list is a customer's data behind
// the session, and the page keeps its own copy of the signed-in technician's jobs (field-store.ts),
// which signing out clears. Network first for the page (a new build is picked up at once when
// online), cache first for /assets/ (Vite hashes their names: a name never changes content).
//
// TypeScript's DOM library has no ServiceWorkerGlobalScope (the WebWorker one conflicts with DOM),
// so the few parts used here are typed by hand.
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}
const worker = self as unknown as WorkerScope;

/** Bump when what the cache holds changes shape; activation drops every other version. */
const CACHE = 'purna-shell-v1';
/** The page, and what it needs besides the bundle. */
const SHELL = ['/', '/manifest.webmanifest', '/icon.svg', '/icon-192.png'];
/** Paths the worker leaves alone: the API and the live connection are never served from a cache. */
const PASS_THROUGH = /^\/(api|socket\.io|docs|metrics|healthz|readyz)(\/|$)/;

worker.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The bundle the page names (hashed): read off the page itself, so no build step lists it.
      const page = await (await cache.match('/'))?.text();
      await cache.addAll(assetsOf(page ?? ''));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (e) => {
  const request = e.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || PASS_THROUGH.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    // Every address of the app is the one page (routes are in the hash).
    e.respondWith(networkFirst(new Request('/'), request));
  } else if (url.pathname.startsWith('/assets/')) {
    e.respondWith(cacheFirst(request));
  } else {
    e.respondWith(networkFirst(request, request));
  }
});

/** The hashed assets a page names. */
function assetsOf(page: string): string[] {
  return [...new Set([...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))];
}

/**
 * A new build names new assets (the worker's own bytes do not change, so it is not reinstalled):
 * keep those the page names, and drop the previous builds' entry files and styles. Lazily loaded
 * chunks (the board's map) are not named by the page and stay until a new worker version.
 */
async function prune(cache: Cache, page: string): Promise<void> {
  const named = new Set(assetsOf(page));
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname;
    if (/^\/assets\/index-[^/]+\.(js|css)$/.test(path) && !named.has(path)) await cache.delete(req);
  }
}

async function networkFirst(key: Request, request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) {
      await cache.put(key, res.clone());
      if (request.mode === 'navigate')
        void res
          .clone()
          .text()
          .then((page) => prune(cache, page));
    }
    return res;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}
