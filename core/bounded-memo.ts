// A memo for answers that depend only on a string key drawn from a set that is bounded in practice
// (device ids, topics, metric names) but not by contract: past `limit` entries the map is cleared
// wholesale, so ids that churn cannot grow it without end.

export function memo<V>(cache: Map<string, V>, key: string, make: (key: string) => V, limit: number): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= limit) cache.clear();
    value = make(key);
    cache.set(key, value);
  }
  return value;
}
