// A list of ids with names, read once per page load from one API path: until it has arrived, or
// for an id it does not have, the id stands in. A failed read (offline, refused) is asked again
// on the next load().
import { api } from './api.ts';

export interface NameList {
  /** Reads the names, once; `then` re-render what showed ids. */
  load(): Promise<void>;
  /** The next load() reads the list again (after it changed). */
  forget(): void;
  /** The name of `id`, else the id. */
  name(id: string): string;
  /** Whether the list names `id` otherwise than its id. */
  has(id: string): boolean;
}

export function nameList<T>(path: string, entries: (body: T) => { id: string; name: string }[]): NameList {
  let names = new Map<string, string>();
  let loading: Promise<void> | null = null;
  return {
    load() {
      loading ??= api<T>(path).then(
        (body) => {
          names = new Map(entries(body).map((e) => [e.id, e.name]));
        },
        () => {
          loading = null; // offline or refused: ids for now, ask again next time
        },
      );
      return loading;
    },
    forget() {
      loading = null;
    },
    name: (id) => names.get(id) ?? id,
    has: (id) => names.has(id) && names.get(id) !== id,
  };
}
