// The dashboard's colours pass WCAG 2.1 AA contrast (4.5:1 for text) on the backgrounds they are used on.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const css = readFileSync(new URL('../dashboard/ui/style.css', import.meta.url), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([a-z]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
};

it('text, muted text and state colours reach 4.5:1 on page and panel backgrounds; button text on the accent too', () => {
  expect(Object.keys(vars)).toEqual(
    expect.arrayContaining(['bg', 'panel', 'text', 'muted', 'ok', 'watch', 'bad', 'accent']),
  );
  const failures: string[] = [];
  for (const fg of ['text', 'muted', 'ok', 'watch', 'bad', 'accent']) {
    for (const bg of ['bg', 'panel']) {
      const ratio = contrast(vars[fg], vars[bg]);
      if (ratio < 4.5) failures.push(`${fg} on ${bg}: ${ratio.toFixed(2)}`);
    }
  }
  const buttonText = css.match(/button \{[^}]*color: (#[0-9a-f]{6})/i)![1];
  if (contrast(buttonText, vars.accent) < 4.5)
    failures.push(`button text on accent: ${contrast(buttonText, vars.accent).toFixed(2)}`);
  expect(failures).toEqual([]);
});
