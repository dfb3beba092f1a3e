import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, FIELD, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams } from '../http/schemas.ts';

const PlanBody = Type.Object(
  {
    intervalDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'calendar interval, days' })),
    intervalRunningHours: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'running-hours interval, hours' }),
    ),
    leadDays: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 365, description: 'plan the visit this many days ahead (default 14)' }),
    ),
    leadRunningHours: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'plan it this many running hours ahead (default a tenth of the interval)',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'At least one interval: by calendar days, by running hours, or both (whichever comes first)',
  },
);

/** /maintenance/plans…, /devices/:id/maintenance, /maintenance/run. */
export async function maintenanceRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['maintenance'];

  app.get(
    '/maintenance/plans',
    { ...guard(MANAGE), schema: { tags, summary: 'Maintenance plans per model and per device' } },
    async () => ({ plans: service.maintenance.listPlans() }),
  );
  app.put(
    '/maintenance/plans/models/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "A model's maintenance plan (over the catalogue's interval)",
        params: IdParams,
        body: PlanBody,
      },
    },
    async (request) => ({ plan: service.maintenance.saveModelPlan(request.params.id, request.body, actorOf(request)) }),
  );
  app.put(
    '/maintenance/plans/devices/:id',
    {
      ...guard(MANAGE),
      schema: { tags, summary: "A device's own maintenance plan (over its model's)", params: IdParams, body: PlanBody },
    },
    async (request) => ({
      plan: service.maintenance.saveDevicePlan(request.params.id, request.body, actorOf(request)),
    }),
  );
  app.delete(
    '/maintenance/plans/devices/:id',
    {
      ...guard(MANAGE),
      schema: { tags, summary: "Drop a device's own plan: its model's holds again", params: IdParams },
    },
    async (request, reply) => {
      service.maintenance.deleteDevicePlan(request.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    '/devices/:id/maintenance',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary:
          'Where a device stands against its plan: running hours, last service, next due date, the visit under way',
        params: IdParams,
      },
    },
    async (request) => ({ maintenance: service.maintenance.deviceMaintenance(request.params.id) }),
  );
  app.post(
    '/maintenance/run',
    {
      ...guard(MANAGE),
      schema: { tags, summary: 'Plan the maintenance visits due now (runs every hour by itself)' },
    },
    async () => ({ workOrders: service.maintenance.planDue() }),
  );
}
