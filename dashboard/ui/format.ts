export const fmt = (v: number | undefined | null, digits: number) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleTimeString());
export const dateTime = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString());
export const label = (s: string | undefined | null) => (s ?? '').replaceAll('_', ' ');

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.abs(ms) / 1000;
  const sign = ms < 0 ? '-' : '';
  if (s < 90) return `${sign}${Math.round(s)} s`;
  if (s < 5400) return `${sign}${Math.round(s / 60)} min`;
  if (s < 172800) return `${sign}${(s / 3600).toFixed(1)} h`;
  return `${sign}${(s / 86400).toFixed(1)} days`;
}

export function healthColor(score: number): string {
  return score >= 80 ? 'var(--ok)' : score >= 50 ? 'var(--watch)' : 'var(--bad)';
}

/** Builds an element; text is always set as text (never HTML), so server data cannot inject markup. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    // Through CSSOM, not the style attribute, which the CSP (style-src 'self') refuses.
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}
