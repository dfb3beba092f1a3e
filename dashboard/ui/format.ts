// What every view builds with: the health colour scale and a safe element builder. Text and
// numbers in the viewer's language come from ./i18n.ts.
export function healthColor(score: number): string {
  return score >= 80 ? 'var(--ok)' : score >= 50 ? 'var(--watch)' : 'var(--bad)';
}

/** Builds an element; text is always set as text (never HTML), so server data cannot inject markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
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

/**
 * Marks a table to be read as cards on a phone (style.css `table.stack`): each cell carries its
 * column's heading (`data-label`), shown above it there, so a row reads top to bottom instead of
 * scrolling sideways inside its box. Call once its head and body are built.
 */
export function stackOnPhone<T extends HTMLTableElement>(table: T): T {
  table.classList.add('stack');
  const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
  for (const tr of table.querySelectorAll('tbody tr'))
    [...tr.children].forEach((td, i) => {
      if (heads[i]) td.setAttribute('data-label', heads[i]);
    });
  return table;
}
