// Small helpers the benchmarks share: flags, JSON output, progress.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

/** Parses the benchmark's flags; `--help` lists them and an unknown flag is one clear line, not a stack. */
export function benchArgs<T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>>(
  extra: T,
) {
  const options = { json: { type: 'string' as const }, help: { type: 'boolean' as const }, ...extra };
  const usage = (): string =>
    `flags: ${Object.entries(options)
      .map(
        ([name, o]) =>
          `--${name}${o.type === 'string' ? ' VALUE' : ''}${'default' in o && o.default !== undefined && o.default !== false ? ` (default ${String(o.default)})` : ''}`,
      )
      .join(', ')}`;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options, allowPositionals: false }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage()}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  return values as unknown as { json?: string } & { [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : string };
}

export function writeJson(file: string | undefined, figures: Record<string, unknown>): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`figures written to ${file}`);
}

export function progress(line: string): void {
  process.stderr.write(`\r${line.padEnd(100)}`);
}

export function progressDone(): void {
  process.stderr.write('\n');
}

/** A horizontal bar chart as SVG (no dependencies), for figures people would rather see. */
export function barChartSvg(
  title: string,
  bars: { label: string; value: number; highlight?: boolean }[],
  unit = '',
): string {
  const width = 720;
  const rowH = 26;
  const left = 220;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const rows = bars
    .map((b, i) => {
      const y = 40 + i * rowH;
      const w = Math.max(1, ((width - left - 80) * Math.max(0, b.value)) / max);
      return `<text x="${left - 8}" y="${y + 16}" text-anchor="end" font-size="13">${escapeXml(b.label)}</text>
<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${b.highlight ? '#d9480f' : '#4c6ef5'}"/>
<text x="${left + w + 6}" y="${y + 16}" font-size="12">${b.value.toFixed(1)}${unit}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${50 + bars.length * rowH}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/><text x="10" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>
${rows}
</svg>
`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
