// The shape of a product model as the API takes it, once, in TypeBox: the routes validate bodies
// with it, the JSON import checks each model with it (compiled), the OpenAPI document shows it.
// Only the shape: what a model means (min below max, a known unit, failure modes naming metrics
// the model has) is core's validateProductModel, which names every problem at once.

import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { UNIT_NAMES, type ProductModel, type Unit } from '../../core/product-catalogue.ts';

const Name = (max = 200) => Type.String({ maxLength: max });
const Range = (description: string) =>
  Type.Unsafe<[number, number]>({ type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description });

const Part = Type.Object(
  { sku: Name(64), name: Name(), quantity: Type.Integer({ description: 'Units the repair uses (at least 1)' }) },
  { additionalProperties: false },
);

const Metric = Type.Object(
  {
    name: Type.String({ maxLength: 64, description: "The key in the device's payload (values.<name>)" }),
    // A string, not an enum: the validator answers an unknown unit with the list, among every other problem.
    unit: Type.Unsafe<Unit>({
      type: 'string',
      maxLength: 16,
      description: `The unit the device sends it in, one of: ${UNIT_NAMES.join(', ')}`,
    }),
    physicalRange: Range('[min, max] the sensor can read; outside is a sensor fault'),
    normalRange: Range('[min, max] of a healthy machine at work'),
    ratedLimits: Type.Object(
      { upper: Type.Optional(Type.Number()), lower: Type.Optional(Type.Number()) },
      {
        additionalProperties: false,
        description: 'Failing above upper and/or below lower; neither: judged unit-free, never dispatches alone',
      },
    ),
    machineClass: Type.Optional(
      Type.Unsafe<'I' | 'II' | 'III' | 'IV'>({
        type: 'string',
        description: 'ISO 10816-1 class (I-IV), vibration velocity only',
      }),
    ),
  },
  { additionalProperties: false },
);

/** One checklist step (core's ChecklistItem); the validator checks ids, labels and readings against the model. */
const ChecklistItem = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    label: Name(),
    reading: Type.Optional(
      Type.Object(
        { metric: Type.String({ maxLength: 64 }), min: Type.Number(), max: Type.Number() },
        { additionalProperties: false },
      ),
    ),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const FailureMode = Type.Object(
  {
    id: Type.String({ maxLength: 64, description: 'snake_case id work orders carry' }),
    name: Name(),
    signature: Type.Array(
      Type.Object(
        {
          metric: Type.String({ maxLength: 64 }),
          direction: Type.Unsafe<'up' | 'down'>({ type: 'string', description: 'up or down' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 16 },
    ),
    parts: Type.Array(Part, { maxItems: 32 }),
    skill: Name(64),
    repairHours: Type.Number(),
    checklist: Type.Optional(Type.Array(ChecklistItem, { maxItems: 64 })),
  },
  { additionalProperties: false },
);

const modelFields = {
  id: Type.String({ maxLength: 64 }),
  name: Name(),
  kind: Name(64),
  metrics: Type.Array(Metric, { maxItems: 64 }),
  failureModes: Type.Array(FailureMode, { maxItems: 64 }),
  running: Type.Optional(
    Type.Object(
      { metric: Type.String({ maxLength: 64 }), stoppedBelow: Type.Number() },
      { additionalProperties: false },
    ),
  ),
  sensorParts: Type.Optional(Type.Array(Part, { maxItems: 32 })),
  warrantyMonths: Type.Integer(),
  serviceInterval: Type.Object(
    { days: Type.Optional(Type.Number()), runningHours: Type.Optional(Type.Number()) },
    { additionalProperties: false },
  ),
  checklists: Type.Optional(
    Type.Record(Type.String({ maxLength: 64 }), Type.Array(ChecklistItem, { maxItems: 64 }), {
      description:
        'Per job type (installation, planned_maintenance, inspection …): the steps and readings a technician records',
    }),
  ),
};

/** A product model (POST /catalogue/models, each model of a JSON import). */
export const ProductModelBody = Type.Object(modelFields, { additionalProperties: false });

/**
 * A changed model (PUT): the model, and the version it was edited from (a newer one is a 409).
 * What GET answered may be sent back as it is: `updatedBy`/`updatedAt` are accepted and ignored.
 */
export const ProductModelUpdateBody = Type.Object(
  {
    ...modelFields,
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The version this edit started from; another current version is a 409' }),
    ),
    updatedBy: Type.Optional(Type.String()),
    updatedAt: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

// The schema and core's interface must describe one thing.
const _sameShape: ProductModel = {} as Static<typeof ProductModelBody>;
void _sameShape;

const compiled = Compile(ProductModelBody);

/** Shape problems of one model of an import, by field (`metrics[1].unit`); empty when it has the shape. */
export function shapeProblems(value: unknown): { field: string; message: string }[] {
  if (compiled.Check(value)) return [];
  const out: { field: string; message: string }[] = [];
  for (const e of compiled.Errors(value)) {
    const at = pathOf(e.instancePath);
    // An unknown field is reported twice: at the field ('boolean': the schema is false there) and
    // at its object; the first names it.
    if (e.keyword === 'additionalProperties') continue;
    if (e.keyword === 'boolean') out.push({ field: at, message: 'is not a field of a product model here' });
    else if (e.keyword === 'required') {
      for (const name of (e.params as { requiredProperties: string[] }).requiredProperties)
        out.push({ field: at ? `${at}.${name}` : name, message: 'is required' });
    } else out.push({ field: at || '(model)', message: e.message });
  }
  return out;
}

/** `/metrics/1/unit` → `metrics[1].unit`, the validator's way of naming a field. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
