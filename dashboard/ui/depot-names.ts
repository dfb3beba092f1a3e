// Depots by name: a job's part line said "@ DEP-SBY", and a planner or technician reads "Depot
// Surabaya (Rungkut)". The list is read once per page load (planners and technicians may read
// it); until it has arrived, or for a depot (a technician's van) it does not have, the id stands in.
import { nameList } from './name-list.ts';

const depots = nameList<{ depots: { id: string; name: string }[] }>('depots', (r) => r.depots);

/** Reads the depots' names, once; `then` re-render what showed ids. */
export const loadDepotNames = (): Promise<void> => depots.load();

/** The depot's name, else its id. */
export const depotName = (id: string): string => depots.name(id);
