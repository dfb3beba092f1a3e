// MQTT 3.1.1 topic filters (section 4.7): validity, and whether one filter covers another.

/** Why `filter` is not a valid topic filter, or null when it is. */
export function topicFilterError(filter: string): string | null {
  // [MQTT-4.7.3-1]: at least one character; [MQTT-1.5.3-2]: no U+0000.
  if (filter.length === 0) return 'a topic filter must not be empty';
  if (filter.includes('\u0000')) return 'a topic filter must not contain U+0000';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    // [MQTT-4.7.1-2]: '#' alone in the last level; [MQTT-4.7.1-3]: '+' alone in its level.
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return `'#' must be the last level on its own, in '${filter}'`;
    if (level.includes('+') && level !== '+') return `'+' must be a level on its own, in '${filter}'`;
  }
  return null;
}

/**
 * True when every topic name `requested` can match is also matched by `covering`: `a/#` covers
 * `a`, `a/b`, `a/+/c` and `a/#`; `+/b` covers `x/b` and `+/b` but not `#`. Topics starting with
 * '$' are not matched by a filter that starts with a wildcard [MQTT-4.7.2-1], so `#` does not
 * cover `$SYS/#`.
 */
export function filterCovers(covering: string, requested: string): boolean {
  const c = covering.split('/');
  const r = requested.split('/');
  if (r[0].startsWith('$') && (c[0] === '#' || c[0] === '+')) return false;
  for (let i = 0; i < c.length; i++) {
    // '#' matches its parent level too [MQTT-4.7.1-2]: `a/#` matches `a`.
    if (c[i] === '#') return true;
    if (i >= r.length) return false;
    if (r[i] === '#') return false; // a multi-level request is wider than any single level
    if (c[i] === '+') continue; // '+' matches any one level, a requested '+' included
    if (c[i] !== r[i]) return false; // a literal level is matched only by itself (not by '+')
  }
  return c.length === r.length;
}
