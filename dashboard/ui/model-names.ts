// Product models by name: the catalogue names each model ("Booster pump B40"), and a planner or
// technician reads that, not its id ("booster-b40"). The list is read once per page load (any
// signed-in role may read the catalogue) and again after the catalogue page saves; until it
// has arrived, or for a model the catalogue does not have, the id stands in.
import { api } from './api.ts';

let names = new Map<string, string>();
let loading: Promise<void> | null = null;

/** Reads the catalogue's model names, once; `then` re-render what showed ids. */
export function loadModelNames(): Promise<void> {
  loading ??= api<{ models: { id: string; name: string }[] }>('catalogue/models').then(
    (r) => {
      names = new Map(r.models.map((m) => [m.id, m.name]));
    },
    () => {
      loading = null; // offline or refused: ids for now, ask again next time
    },
  );
  return loading;
}

/** After a model is saved or deleted: the next loadModelNames() reads the catalogue again. */
export function forgetModelNames(): void {
  loading = null;
}

/** The model's name from the catalogue, else its id. */
export function modelName(id: string | null | undefined): string {
  if (!id) return '';
  return names.get(id) ?? id;
}

/** Whether the catalogue named `id` (so the id is worth showing beside the name). */
export function hasModelName(id: string | null | undefined): boolean {
  return !!id && names.has(id) && names.get(id) !== id;
}
