// Depots by name: a job's part line said "@ DEP-SBY", and a planner or technician reads "Depot
// Surabaya (Rungkut)". The list is read once per page load (planners and technicians may read
// it); until it has arrived, or for a depot (a technician's van) it does not have, the id stands in.
import { api } from './api.ts';

let names = new Map<string, string>();
let loading: Promise<void> | null = null;

/** Reads the depots' names, once; `then` re-render what showed ids. */
export function loadDepotNames(): Promise<void> {
  loading ??= api<{ depots: { id: string; name: string }[] }>('depots').then(
    (r) => {
      names = new Map(r.depots.map((d) => [d.id, d.name]));
    },
    () => {
      loading = null; // offline or refused: ids for now, ask again next time
    },
  );
  return loading;
}

/** The depot's name, else its id. */
export function depotName(id: string): string {
  return names.get(id) ?? id;
}
