import { expect, it } from 'vitest';
import { filterCovers, topicFilterError } from '../core/topic-filters.ts';

it('validates topic filters as MQTT 3.1.1 section 4.7 does', () => {
  for (const ok of ['test/nosubscribe', '#', '+', 'a/+/b', 'a/#', '/', '$SYS/#'])
    expect(topicFilterError(ok), ok).toBeNull();
  for (const bad of ['', 'a/#/b', 'a#', 'a/b+', '+a/b', 'a\u0000b']) expect(topicFilterError(bad), bad).not.toBeNull();
});

it('a filter covers itself and every narrower filter, never a wider one', () => {
  const covered: [string, string][] = [
    ['a/b', 'a/b'],
    ['a/#', 'a'],
    ['a/#', 'a/b'],
    ['a/#', 'a/+/c'],
    ['a/#', 'a/#'],
    ['+/b', 'x/b'],
    ['+/b', '+/b'],
    ['#', 'x/y'],
    ['#', '#'],
  ];
  const notCovered: [string, string][] = [
    ['a/b', 'a/+'],
    ['a/b', 'a/#'],
    ['a/b', 'a'],
    ['a/b', 'a/b/c'],
    ['a/+', 'a/#'],
    ['a/+', 'a'],
    ['+/b', '#'],
    ['a/#', 'ab'],
    ['#', '$SYS/x'],
    ['+/x', '$SYS/x'],
  ];
  for (const [covering, requested] of covered)
    expect(filterCovers(covering, requested), `${covering} ⊇ ${requested}`).toBe(true);
  for (const [covering, requested] of notCovered)
    expect(filterCovers(covering, requested), `${covering} ⊉ ${requested}`).toBe(false);
});
