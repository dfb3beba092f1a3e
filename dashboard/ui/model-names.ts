// Product models by name: the catalogue names each model ("Booster pump B40"), and a planner or
// technician reads that, not its id ("booster-b40"). The list is read once per page load (any
// signed-in role may read the catalogue) and again after the catalogue page saves; until it
// has arrived, or for a model the catalogue does not have, the id stands in.
import { nameList } from './name-list.ts';

const models = nameList<{ models: { id: string; name: string }[] }>('catalogue/models', (r) => r.models);

/** Reads the catalogue's model names, once; `then` re-render what showed ids. */
export const loadModelNames = (): Promise<void> => models.load();

/** After a model is saved or deleted: the next loadModelNames() reads the catalogue again. */
export const forgetModelNames = (): void => models.forget();

/** The model's name from the catalogue, else its id. */
export function modelName(id: string | null | undefined): string {
  return id ? models.name(id) : '';
}

/** Whether the catalogue named `id` (so the id is worth showing beside the name). */
export function hasModelName(id: string | null | undefined): boolean {
  return !!id && models.has(id);
}
