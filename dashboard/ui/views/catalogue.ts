// Planner: the product catalogue. The models Purna services, each at its current version and how
// many devices are of it; a form to create or change one that checks itself as you type; delete
// for a model no device uses; and an import of a JSON or CSV file (all or nothing, problems by line).
import { hasMessage } from '../../../core/i18n/index.ts';
import { forgetModelNames } from '../model-names.ts';
import { actorName, type HistoryNames, NO_NAMES } from '../history-text.ts';
import type { CatalogueProblem, ProductModel, ProductModelVersion } from '../../../core/product-catalogue.ts';
import { api, ApiError } from '../api.ts';
import { modelForm, problemText } from '../catalogue-form.ts';
import { el } from '../format.ts';
import { dateTime, num, t } from '../i18n.ts';

/** A metric or failure mode Purna has words for, in the viewer's language; else as the catalogue names it. */
function named(family: 'metric' | 'failureMode', id: string, name: string): string {
  const key = `${family}.${id}`;
  return hasMessage(key) ? t(key) : name;
}

interface ImportReport {
  committed: boolean;
  created: number;
  updated: number;
  unchanged: number;
  errors: { line: number; code?: string; message: string; params?: Record<string, string | number> }[];
  warnings: { line: number; code?: string; message: string; params?: Record<string, string | number> }[];
}

export function catalogueView(root: HTMLElement): () => void {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'status', id: 'catalogue-status' });
  const list = el('div', { class: 'table-scroll', id: 'catalogue-models' });
  const editor = el('section', { id: 'catalogue-editor', 'aria-label': t('catalogue.editorLabel') });
  const newButton = el('button', { type: 'button', id: 'model-new', text: t('catalogue.new') });
  const file = el('input', { type: 'file', id: 'catalogue-file', accept: '.json,.csv,application/json,text/csv' });
  const importButton = el('button', {
    type: 'button',
    class: 'secondary',
    id: 'catalogue-import',
    text: t('catalogue.import.submit'),
  });
  const report = el('ul', { class: 'import-report', id: 'catalogue-import-report' });
  root.append(
    el('h2', { text: t('catalogue.title') }),
    el('p', { class: 'meta', text: t('catalogue.intro') }),
    el('div', { class: 'filters' }, newButton),
    status,
    list,
    editor,
    el('h3', { text: t('catalogue.import.title') }),
    el(
      'div',
      { class: 'filters' },
      el('label', { for: 'catalogue-file', text: t('catalogue.import.file') }),
      file,
      importButton,
    ),
    report,
  );
  let knownSkus = new Set<string>();
  let names: HistoryNames = NO_NAMES;
  let alive = true;

  const load = async () => {
    try {
      const [{ models, devices }, { inventory }, { people }] = await Promise.all([
        api<{ models: ProductModelVersion[]; devices: Record<string, number> }>('catalogue/models'),
        api<{ inventory: { sku: string }[] }>('inventory'),
        // Who saved each version, by name (the catalogue records 'planner:<user id>', 'system:seed').
        api<{ people: { id: string; name: string }[] }>('people').catch(() => ({ people: [] })),
      ]);
      if (!alive) return;
      names = { ...NO_NAMES, users: new Map(people.map((u) => [u.id, u.name])) };
      knownSkus = new Set(inventory.map((i) => i.sku));
      renderList(models, devices);
    } catch (err) {
      status.textContent = t('catalogue.loadFailed', { reason: (err as Error).message });
    }
  };

  const renderList = (models: ProductModelVersion[], devices: Record<string, number>) => {
    const head = el(
      'tr',
      {},
      ...(['model', 'kind', 'metrics', 'failureModes', 'version', 'updated', 'devices', 'actions'] as const).map((c) =>
        el('th', { scope: 'col', text: t(`catalogue.col.${c}`) }),
      ),
    );
    const rows = models.map((m) => {
      const used = devices[m.id] ?? 0;
      const edit = el('button', {
        type: 'button',
        class: 'secondary',
        text: t('catalogue.edit'),
        'aria-label': t('catalogue.editModel', { id: m.id }),
      });
      edit.addEventListener('click', () => openEditor(m));
      const remove = el('button', {
        type: 'button',
        class: 'secondary',
        text: t('catalogue.delete'),
        'aria-label': t('catalogue.deleteModel', { id: m.id }),
      });
      // A model in use cannot go (the API says 409): say why here rather than after a click.
      if (used > 0) {
        remove.disabled = true;
        remove.title = t('catalogue.deleteInUse', { count: used });
      }
      remove.addEventListener('click', () => void removeModel(m.id));
      const row = el(
        'tr',
        {},
        el('td', {}, el('strong', { text: m.id }), el('br'), el('span', { class: 'meta', text: m.name })),
        el('td', { text: m.kind }),
        el('td', {
          class: 'wrap',
          text: m.metrics.map((x) => `${named('metric', x.name, x.name)} (${x.unit})`).join(', '),
        }),
        el('td', { class: 'wrap', text: m.failureModes.map((f) => named('failureMode', f.id, f.name)).join(', ') }),
        el('td', { class: 'num', text: num(m.version) }),
        el('td', {
          text: t('catalogue.updated', { by: actorName(m.updatedBy, names), at: dateTime(Date.parse(m.updatedAt)) }),
        }),
        el('td', { class: 'num', text: num(used) }),
        el('td', {}, el('div', { class: 'actions' }, edit, remove)),
      );
      row.dataset.modelId = m.id;
      return row;
    });
    list.replaceChildren(
      el(
        'table',
        { id: 'catalogue-table' },
        el('caption', { class: 'visually-hidden', text: t('catalogue.title') }),
        el('thead', {}, head),
        el('tbody', {}, ...rows),
      ),
    );
  };

  const openEditor = (model?: ProductModelVersion) => {
    const form = modelForm({
      model,
      knownSkus,
      onCancel: () => editor.replaceChildren(),
      onSave: (draft) => void save(draft, model, form.showServerProblems),
    });
    editor.replaceChildren(form.element);
    form.element.querySelector<HTMLElement>('input:not([readonly])')?.focus();
  };

  const save = async (
    draft: ProductModel,
    edited: ProductModelVersion | undefined,
    showProblems: (p: readonly CatalogueProblem[]) => void,
  ) => {
    try {
      const saved = edited
        ? await api<{ model: ProductModelVersion; changed: boolean }>(
            `catalogue/models/${encodeURIComponent(edited.id)}`,
            { method: 'PUT', body: { ...draft, version: edited.version } },
          )
        : await api<{ model: ProductModelVersion; changed: boolean }>('catalogue/models', {
            method: 'POST',
            body: draft,
          });
      status.textContent =
        saved.changed === false
          ? t('catalogue.unchanged', { id: saved.model.id, version: saved.model.version })
          : t('catalogue.saved', { id: saved.model.id, version: saved.model.version });
      editor.replaceChildren();
      forgetModelNames();
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.problems) showProblems(err.problems as CatalogueProblem[]);
      status.textContent = t('catalogue.saveFailed', { reason: (err as Error).message });
    }
  };

  const removeModel = async (id: string) => {
    try {
      await api(`catalogue/models/${encodeURIComponent(id)}`, { method: 'DELETE' });
      status.textContent = t('catalogue.deleted', { id });
      forgetModelNames();
      await load();
    } catch (err) {
      status.textContent = t('catalogue.deleteFailed', { id, reason: (err as Error).message });
    }
  };

  const importFile = async () => {
    const chosen = file.files?.[0];
    if (!chosen) {
      status.textContent = t('catalogue.import.noFile');
      return;
    }
    const csv = /\.csv$/i.test(chosen.name) || chosen.type === 'text/csv';
    try {
      const res = await fetch('/api/catalogue/import', {
        method: 'POST',
        headers: { 'content-type': csv ? 'text/csv' : 'application/json' },
        body: await chosen.text(),
      });
      const body = (await res.json()) as ImportReport & { message?: string };
      if (res.status !== 200 && res.status !== 422) throw new Error(body.message ?? res.statusText);
      const line = (p: ImportReport['errors'][number], warning: boolean) =>
        el('li', {
          class: warning ? 'warning' : 'error',
          text: t('catalogue.import.line', { line: p.line, message: problemText(p) }),
        });
      report.replaceChildren(...body.errors.map((p) => line(p, false)), ...body.warnings.map((p) => line(p, true)));
      status.textContent = body.committed
        ? t('catalogue.import.done', { created: body.created, updated: body.updated, unchanged: body.unchanged })
        : t('catalogue.import.failed', { count: body.errors.length });
      if (body.committed) await load();
    } catch (err) {
      status.textContent = t('catalogue.import.error', { reason: (err as Error).message });
    }
  };

  newButton.addEventListener('click', () => openEditor());
  importButton.addEventListener('click', () => void importFile());
  void load();
  return () => {
    alive = false;
  };
}
