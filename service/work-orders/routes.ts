import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { JOB_TYPES } from '../../core/job-types.ts';
import { WORK_ORDER_STATES, type WorkOrderState } from '../../core/work-order-states.ts';
import {
  actorOf,
  assertOwnJob,
  FIELD,
  guardFor,
  MANAGE,
  ADMIN,
  ownJobsOnly,
  userOf,
  type ServiceRoutesOptions,
} from '../http/access.ts';
import { IdParams, IntegerOrNull, Ms, Note, OneOf, StringOrNull, Text } from '../http/schemas.ts';
import { MODE_ID_PATTERN } from '../../core/product-catalogue.ts';
import { badRequest, forbidden, requireFound, RESOLUTION_CODES, SEVERITIES } from '../types.ts';
import { transitionError } from './lifecycle.ts';

/** Steps a technician may not take on their own job: assigning and cancelling is the planner's. */
const PLANNER_ONLY_STEPS: readonly WorkOrderState[] = ['assigned', 'cancelled'];

/** A failure mode id: the device's model's own or one every model has (the service checks which, naming them). */
const Mode = Type.String({
  pattern: MODE_ID_PATTERN.source,
  description:
    "a failure mode of the device's product model (GET /api/catalogue/models/{id}), or sensor_fault, unknown_anomaly; customer_reported (with customerReport) until diagnosed",
});

const ListQuery = Type.Object(
  {
    // Repeat the parameter or separate with commas: ?state=open&state=assigned or ?state=open,assigned.
    state: Type.Optional(Type.Array(OneOf(WORK_ORDER_STATES))),
    deviceId: Type.Optional(Text(64)),
    technicianId: Type.Optional(Text(64)),
    mode: Type.Optional(Mode),
    jobType: Type.Optional(Type.Array(OneOf(JOB_TYPES))),
    from: Type.Optional(Type.Integer({ description: 'created at or after, epoch ms' })),
    to: Type.Optional(Type.Integer({ description: 'created at or before, epoch ms' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
  },
  { additionalProperties: false },
);

const DiagnosisBody = Type.Object(
  { mode: Mode, version: Type.Optional(Type.Integer({ minimum: 1 })), note: Type.Optional(Note) },
  { additionalProperties: false },
);

const NewWorkOrder = Type.Object(
  {
    deviceId: Text(64),
    jobType: Type.Optional(
      OneOf(JOB_TYPES, 'default customer_reported; installation, planned_maintenance and inspection take no mode'),
    ),
    mode: Type.Optional(Mode),
    severity: Type.Optional(OneOf(SEVERITIES)),
    note: Type.Optional(Note),
    customerReport: Type.Optional(
      Type.String({
        maxLength: 4000,
        description:
          "the customer's own words, kept as they gave them; required with mode customer_reported (not yet diagnosed)",
      }),
    ),
  },
  { additionalProperties: false },
);

const ChecklistBody = Type.Object(
  {
    itemId: Type.String({ pattern: MODE_ID_PATTERN.source }),
    deviceId: Type.Optional(Text(64)),
    done: Type.Optional(Type.Boolean({ description: 'a check: ticked (true) or not' })),
    value: Type.Optional(Type.Number({ description: "a reading, in the metric's unit" })),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);

const HistoricalJob = Type.Object(
  {
    deviceId: Text(64),
    mode: Mode,
    severity: OneOf(SEVERITIES),
    createdAtMs: Ms,
    predictedFailureAtMs: Type.Optional(IntegerOrNull()),
    source: Type.Optional(Text(32)),
    technicianId: Type.Optional(StringOrNull(64)),
    assignedAtMs: Type.Optional(Ms),
    acknowledgedAtMs: Type.Optional(Ms),
    enRouteAtMs: Type.Optional(Ms),
    onSiteAtMs: Type.Optional(Ms),
    resolvedAtMs: Type.Optional(Ms),
    cancelledAtMs: Type.Optional(Ms),
    resolutionCode: Type.Optional(OneOf(RESOLUTION_CODES)),
    partSku: Type.Optional(StringOrNull(64)),
    partDepotId: Type.Optional(StringOrNull(64)),
    stockOut: Type.Optional(Type.Boolean()),
    survey: Type.Optional(
      Type.Object(
        {
          answeredAtMs: Ms,
          csat: Type.Integer({ minimum: 1, maximum: 5 }),
          nps: Type.Integer({ minimum: 0, maximum: 10 }),
          comment: Type.Optional(Type.String({ maxLength: 4000 })),
        },
        { additionalProperties: false },
      ),
    ),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
const HistoryImport = Type.Object(
  { workOrders: Type.Array(HistoricalJob, { minItems: 1, maxItems: 10000 }) },
  { additionalProperties: false },
);

const Transition = Type.Object(
  {
    to: OneOf(WORK_ORDER_STATES),
    version: Type.Integer({ minimum: 1, description: 'the version you last read; a mismatch is a 409' }),
    technicianId: Type.Optional(Text(64)),
    resolutionCode: Type.Optional(OneOf(RESOLUTION_CODES)),
    note: Type.Optional(Note),
    falseAlarm: Type.Optional(
      Type.Boolean({
        description:
          'with to: cancelled — dismiss as a false alarm: analytics does not re-open this device and failure mode for the same evidence',
      }),
    ),
  },
  { additionalProperties: false },
);

const ReassignBody = Type.Object(
  {
    technicianId: Text(64),
    version: Type.Integer({ minimum: 1, description: 'the version you last read; a mismatch is a 409' }),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
const NoteBody = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
  { additionalProperties: false },
);

const VersionBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

/** /work-orders: list, open by hand, import the past, read one, move it along, re-dispatch it. */
export async function workOrderRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['work orders'];

  app.get(
    '/work-orders',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary: 'List work orders, newest first (a technician sees only their own)',
        querystring: ListQuery,
      },
      preValidation: async (request) => {
        // Accept the comma form too: fastify parses ?state=a,b as one string.
        const q = request.query as Record<string, unknown>;
        if (typeof q.state === 'string') q.state = q.state.split(',').filter(Boolean);
        if (typeof q.jobType === 'string') q.jobType = q.jobType.split(',').filter(Boolean);
      },
    },
    async (request) => {
      const q = request.query;
      const technicianId = ownJobsOnly(request, q.technicianId);
      return {
        workOrders: service.workOrders.listWorkOrders({
          state: q.state,
          deviceId: q.deviceId,
          technicianId,
          mode: q.mode,
          jobType: q.jobType,
          fromMs: q.from,
          toMs: q.to,
          limit: q.limit,
        }),
      };
    },
  );

  app.post(
    '/work-orders',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          "Open a work order by hand: a customer's report (mode required) or planned work (jobType installation, planned_maintenance, inspection); planned like an automatic one",
        body: NewWorkOrder,
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send({ workOrder: service.workOrders.createWorkOrder({ ...request.body, actor: actorOf(request) }) }),
  );

  app.post(
    '/work-orders/import',
    {
      ...guard(ADMIN),
      schema: {
        tags,
        summary:
          'Import finished work orders from a previous service system (own timestamps; all or nothing; no notifications)',
        description:
          'Each job ends resolved (with resolutionCode and onSiteAtMs) or cancelled. Feeds the KPIs, first-time fix and the lead time given to analytics.',
        body: HistoryImport,
      },
    },
    async (request, reply) => {
      const ids = service.workOrders.importHistory(request.body.workOrders);
      return reply.code(201).send({ imported: ids.length, ids });
    },
  );

  app.get(
    '/work-orders/:id',
    {
      ...guard(FIELD),
      schema: { tags, summary: 'One work order with its transition history', params: IdParams },
    },
    async (request) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      return { workOrder: wo, history: service.workOrders.workOrderHistory(wo.id) };
    },
  );

  app.get(
    '/work-orders/:id/messages',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          "The notices sent to the customer's contacts about a job: delivered, held for quiet hours, retrying or failed, with the reason",
        params: IdParams,
      },
    },
    async (request) => ({ messages: service.notifications.workOrderMessages(request.params.id) }),
  );

  app.post(
    '/work-orders/:id/transitions',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary: 'Move a work order along its lifecycle (409 on an invalid step or a stale version)',
        description:
          'open → assigned (technicianId) | cancelled; assigned → acknowledged | open (decline; a technician gives the reason as note) | cancelled; acknowledged → en_route | cancelled; ' +
          'en_route → on_site | cancelled; on_site → resolved (resolutionCode). Send the version you last read. A cancellation needs a note (the reason); ' +
          'falseAlarm: true with it dismisses the job as a false alarm (analytics holds that device and mode off).',
        params: IdParams,
        body: Transition,
      },
    },
    async (request) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      const b = request.body;
      if (userOf(request)?.role === 'technician') {
        assertOwnJob(request, wo.technicianId ?? null);
        // Technicians move their own jobs forward or decline them; assigning and cancelling is the planner's.
        if (PLANNER_ONLY_STEPS.includes(b.to)) throw forbidden(`a technician cannot move a work order to ${b.to}`);
        // Declining hands the job back to the planner, who needs to know why (no skill, no van, sick).
        if (b.to === 'open' && !b.note?.trim() && !transitionError(wo.state, b.to))
          throw badRequest('note is required to decline a work order: the reason');
      }
      // A person cancelling says why (the record, the customer's notice); a step the lifecycle refuses is its 409 first.
      if (b.to === 'cancelled' && !b.note?.trim() && !transitionError(wo.state, b.to))
        throw badRequest('note is required to cancel a work order: the reason');
      const workOrder = service.workOrders.transition(wo.id, {
        to: b.to,
        version: b.version,
        actor: actorOf(request),
        technicianId: b.technicianId,
        resolutionCode: b.resolutionCode,
        note: b.note,
        falseAlarm: b.falseAlarm,
      });
      return { workOrder };
    },
  );

  app.post(
    '/work-orders/:id/reassign',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          'Give an assigned work order to another technician (409 unless assigned, on a stale version, or if they are at capacity)',
        params: IdParams,
        body: ReassignBody,
      },
    },
    async (request) => ({
      workOrder: service.workOrders.reassign(request.params.id, { ...request.body, actor: actorOf(request) }),
    }),
  );

  app.post(
    '/work-orders/:id/diagnosis',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary:
          "Name what a customer-reported job turned out to be (a technician: on their own jobs): mode becomes one of the model's; an open job is planned again for it. 409 unless an active customer_reported job or on a stale version",
        params: IdParams,
        body: DiagnosisBody,
      },
    },
    async (request) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      return { workOrder: service.workOrders.diagnose(wo.id, { ...request.body, actor: actorOf(request) }) };
    },
  );

  app.post(
    '/work-orders/:id/notes',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary: "Add a note to a work order's record (a technician: on their own jobs); no version change",
        params: IdParams,
        body: NoteBody,
      },
    },
    async (request, reply) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      return reply.code(201).send({
        event: service.workOrders.addWorkOrderNote(wo.id, {
          actor: actorOf(request),
          note: request.body.note.trim(),
        }),
      });
    },
  );

  app.get(
    '/work-orders/:id/checklist',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary: "The job's checklist per device: checks and readings, what was recorded",
        params: IdParams,
      },
    },
    async (request) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      return { checklist: service.workOrders.workOrderChecklist(wo.id) };
    },
  );

  app.post(
    '/work-orders/:id/checklist',
    {
      ...guard(FIELD),
      schema: {
        tags,
        summary:
          'Record one checklist item: a check (done) or a reading (value). Required items must be done, readings within range, before the job resolves (409)',
        params: IdParams,
        body: ChecklistBody,
      },
    },
    async (request) => {
      const wo = requireFound(service.workOrders.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      // The job's new version with the item: the technician's next step follows on from it.
      return service.workOrders.recordChecklistItem(wo.id, request.body, actorOf(request));
    },
  );

  app.post(
    '/work-orders/:id/dispatch',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Re-run the dispatcher on an open work order (technician, part reservation, lead time)',
        params: IdParams,
        body: VersionBody,
      },
    },
    async (request) => ({
      workOrder: service.workOrders.dispatch(request.params.id, {
        version: request.body.version,
        actor: actorOf(request),
      }),
    }),
  );
}
