import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ASSIGNED_STATES } from '../../core/work-order-states.ts';
import { FIELD, guardFor, MANAGE, userOf, type ServiceRoutesOptions } from '../http/access.ts';
import { CsvBody, csvColumns, IdParams, importResponses, Lat, Lon, sendImport, Text } from '../http/schemas.ts';
import { MODE_ID_PATTERN } from '../../core/product-catalogue.ts';
import { forbidden, requireFound } from '../types.ts';

const Minutes = Type.Integer({ minimum: 0, maximum: 1440 });
/** A skill's mode: any, or a failure mode id (the catalogue's, checked by the service). */
/** A repair skill as the catalogue names it: free text, no ';' (the CSV's separator), no blank ends. */
const SKILL_TAG = /^[^;\s](?:[^;]*[^;\s])?$/;
const SKILL_MODE = new RegExp(`^(\\*|${MODE_ID_PATTERN.source.slice(1, -1)})$`);

const TechnicianBody = Type.Object(
  {
    name: Text(),
    phone: Type.Optional(Text(40)),
    email: Type.Optional(Type.String({ format: 'email' })),
    homeLat: Lat,
    homeLon: Lon,
    depotId: Type.Optional(Text(64)),
    shiftStartMin: Type.Optional(Minutes),
    shiftEndMin: Type.Optional(Minutes),
    utcOffsetMin: Type.Optional(Type.Integer({ minimum: -720, maximum: 840 })),
    workDaysMask: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
    maxOpenJobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    active: Type.Optional(Type.Boolean()),
    skills: Type.Array(
      Type.Object(
        {
          modelId: Text(64),
          mode: Type.String({
            pattern: SKILL_MODE.source,
            description: "'*' or a failure mode of the model (of any model, for modelId '*')",
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    skillTags: Type.Optional(
      Type.Array(Type.String({ pattern: SKILL_TAG.source, maxLength: 64 }), {
        maxItems: 50,
        description:
          "Repair skills in the catalogue's words (a failure mode's skill: mechanical-seal, bearings …); the dispatcher prefers a technician with the one a job needs. Absent: the stored ones are kept",
      }),
    ),
  },
  { additionalProperties: false },
);

const DepotBody = Type.Object(
  { name: Text(), city: Type.Optional(Type.String({ maxLength: 100 })), lat: Lat, lon: Lon },
  { additionalProperties: false },
);

const InventoryQuery = Type.Object(
  { depotId: Type.Optional(Text(64)), sku: Type.Optional(Text(64)), belowReorderPoint: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const StockParams = Type.Object({ depotId: Text(64), sku: Text(64) });
const StockBody = Type.Object(
  {
    onHand: Type.Integer({ minimum: 0 }),
    reorderPoint: Type.Optional(Type.Integer({ minimum: 0 })),
    leadTimeMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** The service network: technicians, depots and the spare parts they stock. */
export async function networkRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);

  // ── technicians ──
  app.get(
    '/technicians',
    {
      ...guard(MANAGE),
      schema: { tags: ['technicians'], summary: 'Technicians with skills, shift, capacity and current load' },
    },
    async () => ({ technicians: service.network.listTechnicians() }),
  );
  app.get(
    '/technicians/:id',
    {
      ...guard(FIELD),
      schema: { tags: ['technicians'], summary: 'One technician and their active work orders', params: IdParams },
    },
    async (request) => {
      const user = userOf(request);
      if (user?.role === 'technician' && (user.technicianId ?? null) !== request.params.id)
        throw forbidden('technicians see only their own record');
      const technician = requireFound(
        service.network.getTechnician(request.params.id),
        'technician',
        request.params.id,
      );
      return {
        technician,
        workOrders: service.workOrders.listWorkOrders({ technicianId: technician.id, state: [...ASSIGNED_STATES] }),
      };
    },
  );
  // A new or freed-up technician may staff waiting jobs: the service sweeps its backlog.
  app.put(
    '/technicians/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['technicians'],
        summary: 'Create or update a technician (skills are replaced)',
        params: IdParams,
        body: TechnicianBody,
      },
    },
    async (request) => ({ technician: service.network.saveTechnician({ id: request.params.id, ...request.body }) }),
  );
  app.post(
    '/technicians/import',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['technicians'],
        summary: `CSV import of technicians, all or nothing. ${csvColumns('technicians')}; skills as model:mode;model:mode`,
        body: CsvBody,
        response: importResponses,
      },
    },
    async (request, reply) => sendImport(reply, service.network.importCsv('technicians', request.body)),
  );

  // ── depots and inventory ──
  app.get(
    '/depots',
    { ...guard(FIELD), schema: { tags: ['inventory'], summary: 'Depots with location' } },
    async () => ({ depots: service.network.listDepots() }),
  );
  app.put(
    '/depots/:id',
    {
      ...guard(MANAGE),
      schema: { tags: ['inventory'], summary: 'Create or update a depot', params: IdParams, body: DepotBody },
    },
    async (request) => ({ depot: service.network.saveDepot({ id: request.params.id, city: '', ...request.body }) }),
  );
  app.get(
    '/inventory',
    {
      ...guard(FIELD),
      schema: {
        tags: ['inventory'],
        summary: 'Parts on hand, reserved and available per depot',
        querystring: InventoryQuery,
      },
    },
    async (request) => {
      const items = service.network.listInventory(request.query);
      return { inventory: request.query.belowReorderPoint ? items.filter((i) => i.belowReorderPoint) : items };
    },
  );
  // Stock arrived: the service fills backorders.
  app.put(
    '/inventory/:depotId/:sku',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['inventory'],
        summary: 'Set stock on hand (a count), reorder point and lead time of a part at a depot',
        params: StockParams,
        body: StockBody,
      },
    },
    async (request) => ({ item: service.network.saveInventory({ ...request.params, ...request.body }) }),
  );
  app.post(
    '/inventory/import',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['inventory'],
        summary: `CSV import of stock, all or nothing. ${csvColumns('inventory')}`,
        body: CsvBody,
        response: importResponses,
      },
    },
    async (request, reply) => sendImport(reply, service.network.importCsv('inventory', request.body)),
  );
}
