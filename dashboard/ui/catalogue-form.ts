// The product-model editor: a form over one model that checks itself as you type with the same
// validator the API uses (core/product-catalogue.ts), each problem shown by the field it is about,
// in the viewer's language. The form keeps a draft model; each input writes its field into it.
import { ISO10816_ZONES_MM_S } from '../../core/device-models.ts';
import {
  UNIT_NAMES,
  validateProductModel,
  type CatalogueProblem,
  type FailureModeSpec,
  type MetricSpec,
  type PartSpec,
  type ProductModel,
} from '../../core/product-catalogue.ts';
import { el } from './format.ts';
import { t, type MessageKey } from './i18n.ts';

export interface ModelForm {
  element: HTMLFormElement;
  /** The model as the form holds it now. */
  draft(): ProductModel;
  /** Problems the server found (after a save), shown like the form's own. */
  showServerProblems(problems: readonly CatalogueProblem[]): void;
}

export interface ModelFormOptions {
  /** The model to edit; none: a new one. */
  model?: ProductModel & { version?: number };
  /** SKUs some depot holds (a part not among them is a warning). */
  knownSkus: ReadonlySet<string>;
  onSave: (model: ProductModel) => void;
  onCancel: () => void;
}

const MACHINE_CLASSES = Object.keys(ISO10816_ZONES_MM_S);

function blankMetric(): MetricSpec {
  return {
    name: '',
    unit: '°C',
    physicalRange: [Number.NaN, Number.NaN],
    normalRange: [Number.NaN, Number.NaN],
    ratedLimits: {},
  };
}
function blankMode(): FailureModeSpec {
  return {
    id: '',
    name: '',
    signature: [{ metric: '', direction: 'up' }],
    parts: [],
    skill: '',
    repairHours: Number.NaN,
  };
}
const blankPart = (): PartSpec => ({ sku: '', name: '', quantity: 1 });

/** A problem in the viewer's language (the validator's code and values), else its English text. */
export function problemText(p: { code?: string; message: string; params?: Record<string, string | number> }): string {
  return p.code ? t(`catalogue.problem.${p.code}` as MessageKey, p.params) : p.message;
}

/** `metrics[0].ratedLimits.upper` → the path [metrics, 0, ratedLimits, upper]. */
function pathOf(field: string): (string | number)[] {
  return field
    .split(/\.|\[(\d+)\]/)
    .filter((x) => x !== undefined && x !== '')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

function setAt(target: object, field: string, value: unknown): void {
  const path = pathOf(field);
  let at = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

export function modelForm(opts: ModelFormOptions): ModelForm {
  const editing = opts.model !== undefined;
  const draft: ProductModel = structuredClone(
    opts.model
      ? {
          id: opts.model.id,
          name: opts.model.name,
          kind: opts.model.kind,
          metrics: opts.model.metrics,
          failureModes: opts.model.failureModes,
          running: opts.model.running,
          sensorParts: opts.model.sensorParts,
          warrantyMonths: opts.model.warrantyMonths,
          serviceInterval: opts.model.serviceInterval,
          // Not edited here (JSON import or the API): kept as they are, not dropped on save.
          ...(opts.model.checklists ? { checklists: opts.model.checklists } : {}),
        }
      : {
          id: '',
          name: '',
          kind: '',
          metrics: [blankMetric()],
          failureModes: [],
          warrantyMonths: 24,
          serviceInterval: {},
        },
  );
  if (!draft.sensorParts) draft.sensorParts = [];
  const form = el('form', { id: 'model-form', class: 'model-form', novalidate: '' });
  const summary = el('p', { class: 'status', id: 'model-problems', role: 'status', 'aria-live': 'polite' });
  let serverProblems: readonly CatalogueProblem[] = [];
  // A new form does not open all red: a field's problems show once it was touched, every one
  // after a save was tried (the count above the form says how many there are all along).
  const touched = new Set<string>();
  let showAll = editing;
  let uid = 0;

  /** A labelled input writing `field` of the draft; its problems show under it (`slot`: the field they name, when not its own). */
  const input = (
    label: string,
    field: string,
    kind: 'text' | 'number' | 'optional-number',
    value: unknown,
    attrs: Record<string, string> = {},
    slot = field,
  ) => {
    const id = `f${++uid}`;
    const box = el('input', {
      id,
      type: kind === 'text' ? 'text' : 'number',
      'data-field': field,
      'aria-describedby': `${id}-problem`,
      ...(kind === 'text' ? {} : { step: 'any', inputmode: 'decimal' }),
      ...attrs,
    });
    box.value = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value ?? '');
    box.addEventListener('input', () => {
      touched.add(slot);
      if (kind === 'text') setAt(draft, field, box.value);
      else if (box.value === '' && kind === 'optional-number') setAt(draft, field, undefined);
      else setAt(draft, field, box.value === '' ? Number.NaN : box.valueAsNumber);
      if (field.endsWith('.name') && field.startsWith('metrics')) refreshMetricChoices();
      check();
    });
    return el(
      'div',
      { class: 'field' },
      el('label', { for: id, text: label }),
      box,
      el('span', { class: 'problem', id: `${id}-problem`, 'data-problem': slot }),
    );
  };

  /** A select writing `field`; `choices` are [value, label]. */
  const select = (
    label: string,
    field: string,
    choices: [string, string][],
    value: string,
    onChange?: (v: string) => void,
    attrs: Record<string, string> = {},
  ) => {
    const id = `f${++uid}`;
    const box = el(
      'select',
      { id, 'data-field': field, 'aria-describedby': `${id}-problem`, ...attrs },
      ...choices.map(([v, text]) => el('option', { value: v, text })),
    );
    box.value = value;
    box.addEventListener('change', () => {
      touched.add(field);
      if (onChange) onChange(box.value);
      else setAt(draft, field, box.value === '' ? undefined : box.value);
      check();
    });
    return el(
      'div',
      { class: 'field' },
      el('label', { for: id, text: label }),
      box,
      el('span', { class: 'problem', id: `${id}-problem`, 'data-problem': field }),
    );
  };

  const button = (text: string, onClick: () => void, cls = 'secondary', attrs: Record<string, string> = {}) => {
    const b = el('button', { type: 'button', class: cls, text, ...attrs });
    b.addEventListener('click', onClick);
    return b;
  };

  const metricChoices = (): [string, string][] =>
    draft.metrics.filter((m) => m.name).map((m) => [m.name, `${m.name} (${m.unit})`]);
  /** Signature and running-metric selects follow the metrics' names as they are typed. */
  const refreshMetricChoices = () => {
    for (const s of form.querySelectorAll<HTMLSelectElement>('select[data-metric-choice]')) {
      const keep = s.value;
      const none =
        s.dataset.metricChoice === 'optional'
          ? [el('option', { value: '', text: t('catalogue.form.noRunningMetric') })]
          : [];
      s.replaceChildren(...none, ...metricChoices().map(([v, text]) => el('option', { value: v, text })));
      if (keep && !metricChoices().some(([v]) => v === keep)) s.append(el('option', { value: keep, text: keep }));
      s.value = keep;
    }
  };

  const partRows = (base: string, parts: PartSpec[]) =>
    el(
      'div',
      { class: 'parts' },
      ...parts.map((p, j) =>
        el(
          'div',
          { class: 'row' },
          input(t('catalogue.form.sku'), `${base}[${j}].sku`, 'text', p.sku, { autocomplete: 'off' }),
          input(t('catalogue.form.partName'), `${base}[${j}].name`, 'text', p.name),
          input(t('catalogue.form.quantity'), `${base}[${j}].quantity`, 'number', p.quantity, { min: '1', step: '1' }),
          button(t('catalogue.form.removePart'), () => {
            parts.splice(j, 1);
            render();
          }),
        ),
      ),
      button(
        t('catalogue.form.addPart'),
        () => {
          parts.push(blankPart());
          render(`${base}[${parts.length - 1}].sku`);
        },
        'secondary',
        { 'data-add': `${base}-part` },
      ),
    );

  const metricSection = (m: MetricSpec, i: number) => {
    const at = `metrics[${i}]`;
    return el(
      'fieldset',
      { class: 'metric', 'data-metric': String(i) },
      el('legend', { text: t('catalogue.form.metric', { n: i + 1 }) }),
      el(
        'div',
        { class: 'row' },
        input(t('catalogue.form.metricName'), `${at}.name`, 'text', m.name, {
          autocomplete: 'off',
          spellcheck: 'false',
        }),
        select(
          t('catalogue.form.unit'),
          `${at}.unit`,
          UNIT_NAMES.map((u) => [u, u]),
          m.unit,
          (v) => {
            setAt(draft, `${at}.unit`, v);
            refreshMetricChoices();
          },
        ),
        select(
          t('catalogue.form.machineClass'),
          `${at}.machineClass`,
          [['', t('catalogue.form.noMachineClass')], ...MACHINE_CLASSES.map((c): [string, string] => [c, c])],
          m.machineClass ?? '',
        ),
      ),
      el(
        'div',
        { class: 'row' },
        input(
          t('catalogue.form.physicalMin'),
          `${at}.physicalRange[0]`,
          'number',
          m.physicalRange[0],
          {},
          `${at}.physicalRange`,
        ),
        input(
          t('catalogue.form.physicalMax'),
          `${at}.physicalRange[1]`,
          'number',
          m.physicalRange[1],
          {},
          `${at}.physicalRange`,
        ),
        input(
          t('catalogue.form.normalMin'),
          `${at}.normalRange[0]`,
          'number',
          m.normalRange[0],
          {},
          `${at}.normalRange`,
        ),
        input(
          t('catalogue.form.normalMax'),
          `${at}.normalRange[1]`,
          'number',
          m.normalRange[1],
          {},
          `${at}.normalRange`,
        ),
        input(t('catalogue.form.ratedLower'), `${at}.ratedLimits.lower`, 'optional-number', m.ratedLimits.lower),
        input(t('catalogue.form.ratedUpper'), `${at}.ratedLimits.upper`, 'optional-number', m.ratedLimits.upper),
      ),
      button(t('catalogue.form.removeMetric'), () => {
        draft.metrics.splice(i, 1);
        render();
      }),
    );
  };

  const modeSection = (f: FailureModeSpec, i: number) => {
    const at = `failureModes[${i}]`;
    return el(
      'fieldset',
      { class: 'mode', 'data-mode': String(i) },
      el('legend', { text: t('catalogue.form.failureMode', { n: i + 1 }) }),
      el(
        'div',
        { class: 'row' },
        input(t('catalogue.form.modeId'), `${at}.id`, 'text', f.id, { autocomplete: 'off', spellcheck: 'false' }),
        input(t('catalogue.form.modeName'), `${at}.name`, 'text', f.name),
        input(t('catalogue.form.skill'), `${at}.skill`, 'text', f.skill),
        input(t('catalogue.form.repairHours'), `${at}.repairHours`, 'number', f.repairHours, { min: '0' }),
      ),
      el(
        'div',
        { class: 'signature', role: 'group', 'aria-label': t('catalogue.form.signature') },
        el('p', { class: 'group-label', text: t('catalogue.form.signature') }),
        el('span', { class: 'problem', 'data-problem': `${at}.signature` }),
        ...f.signature.map((term, j) =>
          el(
            'div',
            { class: 'row' },
            select(
              t('catalogue.form.signatureMetric'),
              `${at}.signature[${j}].metric`,
              metricChoices(),
              term.metric,
              undefined,
              { 'data-metric-choice': 'required' },
            ),
            select(
              t('catalogue.form.signatureDirection'),
              `${at}.signature[${j}].direction`,
              (['up', 'down'] as const).map((d) => [d, t(`catalogue.form.direction.${d}`)]),
              term.direction,
            ),
            button(t('catalogue.form.removeTerm'), () => {
              f.signature.splice(j, 1);
              render();
            }),
          ),
        ),
        button(t('catalogue.form.addTerm'), () => {
          f.signature.push({ metric: metricChoices()[0]?.[0] ?? '', direction: 'up' });
          render();
        }),
      ),
      el('p', { class: 'group-label', text: t('catalogue.form.parts') }),
      partRows(`${at}.parts`, f.parts),
      button(t('catalogue.form.removeMode'), () => {
        draft.failureModes.splice(i, 1);
        render();
      }),
    );
  };

  const render = (focusField?: string) => {
    const m = draft;
    form.replaceChildren(
      el('h3', {
        text: editing
          ? t('catalogue.form.editTitle', { id: m.id, version: opts.model?.version ?? 0 })
          : t('catalogue.form.newTitle'),
      }),
      summary,
      el(
        'div',
        { class: 'row' },
        input(t('catalogue.form.id'), 'id', 'text', m.id, {
          autocomplete: 'off',
          spellcheck: 'false',
          ...(editing ? { readonly: '' } : {}),
        }),
        input(t('catalogue.form.name'), 'name', 'text', m.name),
        input(t('catalogue.form.kind'), 'kind', 'text', m.kind),
      ),
      el(
        'div',
        { class: 'row' },
        input(t('catalogue.form.warrantyMonths'), 'warrantyMonths', 'number', m.warrantyMonths, {
          min: '0',
          step: '1',
        }),
        input(t('catalogue.form.serviceDays'), 'serviceInterval.days', 'optional-number', m.serviceInterval.days, {
          min: '0',
        }),
        input(
          t('catalogue.form.serviceRunningHours'),
          'serviceInterval.runningHours',
          'optional-number',
          m.serviceInterval.runningHours,
          { min: '0' },
        ),
        select(
          t('catalogue.form.runningMetric'),
          'running.metric',
          [['', t('catalogue.form.noRunningMetric')], ...metricChoices()],
          m.running?.metric ?? '',
          (v) => {
            draft.running = v ? { metric: v, stoppedBelow: draft.running?.stoppedBelow ?? 0 } : undefined;
            render();
          },
          { 'data-metric-choice': 'optional' },
        ),
        ...(m.running
          ? [input(t('catalogue.form.stoppedBelow'), 'running.stoppedBelow', 'number', m.running.stoppedBelow)]
          : []),
      ),
      el('h4', { text: t('catalogue.form.metrics') }),
      ...m.metrics.map(metricSection),
      el('span', { class: 'problem', 'data-problem': 'metrics' }),
      button(
        t('catalogue.form.addMetric'),
        () => {
          m.metrics.push(blankMetric());
          render(`metrics[${m.metrics.length - 1}].name`);
        },
        'secondary',
        { 'data-add': 'metric' },
      ),
      el('h4', { text: t('catalogue.form.failureModes') }),
      ...m.failureModes.map(modeSection),
      button(
        t('catalogue.form.addMode'),
        () => {
          m.failureModes.push(blankMode());
          render(`failureModes[${m.failureModes.length - 1}].id`);
        },
        'secondary',
        { 'data-add': 'mode' },
      ),
      el('h4', { text: t('catalogue.form.sensorParts') }),
      partRows('sensorParts', m.sensorParts ?? []),
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'submit', id: 'model-save', text: t('catalogue.form.save') }),
        button(t('catalogue.form.cancel'), opts.onCancel),
      ),
    );
    check();
    if (focusField) form.querySelector<HTMLElement>(`[data-field="${CSS.escape(focusField)}"]`)?.focus();
  };

  /** The model as the API takes it: no empty optional lists, no running metric when none is chosen. */
  const current = (): ProductModel => {
    const out = structuredClone(draft);
    if (!out.sensorParts?.length) delete out.sensorParts;
    if (!out.running) delete out.running;
    return out;
  };

  /** Validates the draft and shows every problem by its field (server problems until the next edit). */
  const check = () => {
    const { errors, warnings } = validateProductModel(current(), opts.knownSkus);
    const shown = serverProblems.length ? serverProblems : errors;
    const byField = new Map<string, { text: string; warning: boolean }[]>();
    for (const p of shown)
      byField.set(p.field, [...(byField.get(p.field) ?? []), { text: problemText(p), warning: false }]);
    for (const p of warnings)
      byField.set(p.field, [...(byField.get(p.field) ?? []), { text: problemText(p), warning: true }]);
    let unplaced = 0;
    for (const slot of form.querySelectorAll<HTMLElement>('[data-problem]')) {
      const name = slot.dataset.problem!;
      const list = showAll || serverProblems.length || touched.has(name) ? (byField.get(name) ?? []) : [];
      slot.textContent = list.map((p) => p.text).join(' · ');
      slot.classList.toggle('warning', list.length > 0 && list.every((p) => p.warning));
      const control = slot.previousElementSibling;
      if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement)
        control.setAttribute('aria-invalid', String(list.some((p) => !p.warning)));
    }
    for (const field of byField.keys()) if (!form.querySelector(`[data-problem="${CSS.escape(field)}"]`)) unplaced++;
    summary.textContent =
      t('catalogue.form.problems', { count: shown.length, warnings: warnings.length }) +
      (unplaced
        ? ` ${shown
            .filter((p) => !form.querySelector(`[data-problem="${CSS.escape(p.field)}"]`))
            .map((p) => `${p.field}: ${problemText(p)}`)
            .join('; ')}`
        : '');
    summary.classList.toggle('error', shown.length > 0 && (showAll || serverProblems.length > 0));
  };

  form.addEventListener(
    'input',
    () => {
      serverProblems = [];
    },
    { capture: true },
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (validateProductModel(current(), opts.knownSkus).errors.length === 0) {
      opts.onSave(current());
      return;
    }
    showAll = true;
    check();
    form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });
  render();
  return {
    element: form,
    draft: current,
    showServerProblems: (problems) => {
      serverProblems = problems;
      check();
    },
  };
}
