import type { Language } from '../../core/i18n/index.ts';

// The browser's access to Purna's REST API: JSON in and out, errors as exceptions with the
// server's message (shown to the user as it is).
export class ApiError extends Error {
  readonly status: number;
  /** Each problem of a body the server named (a product model: `[{field, code, message, params}]`). */
  readonly problems?: { field: string; code?: string; message: string; params?: Record<string, string | number> }[];
  constructor(status: number, message: string, problems?: ApiError['problems']) {
    super(message);
    this.status = status;
    if (problems) this.problems = problems;
  }
}

let unauthorized: () => void = () => {};
/** Called whenever the API answers 401 (the session is gone); main.ts brings back the sign-in form. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/api/${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (res.status === 401 && path !== 'auth/login') unauthorized();
  if (!res.ok)
    throw new ApiError(
      res.status,
      (json as { message?: string }).message ?? res.statusText,
      (json as { problems?: ApiError['problems'] }).problems,
    );
  return json as T;
}

/** Sends a file as the request's body (a photo, a signature), typed as `contentType`; JSON back as api() does. */
export async function upload<T>(path: string, body: Blob, contentType: string): Promise<T> {
  const res = await fetch(`/api/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (res.status === 401) unauthorized();
  if (!res.ok) throw new ApiError(res.status, (json as { message?: string }).message ?? res.statusText);
  return json as T;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'planner' | 'technician';
  technicianId: string | null;
  /** The user's chosen language; null: follow the browser. */
  language: Language | null;
}
