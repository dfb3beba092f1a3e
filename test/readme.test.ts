// Keeps the README true: its configuration table names every setting the config module reads.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configTable } from '../core/config.ts';

it('README lists every configuration variable with its default', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const missing = configTable().filter((row) => !readme.includes(`| \`${row.env}\` |`));
  expect(missing.map((r) => r.env)).toEqual([]);
  expect(configTable().length).toBeGreaterThan(10);
});

it('README opens with the two commands', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const firstBlock = readme.split('```')[1];
  expect(firstBlock).toMatch(/npm ci && npm start/);
  expect(firstBlock).toMatch(/npm test/);
});
