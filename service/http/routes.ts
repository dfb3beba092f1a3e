import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import type { ServiceDomain } from '../index.ts';
import { CSV_COLUMNS, type ImportResult } from '../csv-import.ts';
import type { TechnicianInput } from '../network/store.ts';
import type { HistoricalWorkOrder } from '../work-orders/history-import.ts';
import { FAILURE_MODES, RESOLUTION_CODES, ServiceError, type DeviceInput, type ResolutionCode, type Severity } from '../types.ts';
import { DEVICE_ID_PATTERN } from '../../core/topics.ts';
import { surveyFormPage, surveyMessagePage } from '../customers/survey-page.ts';
import { ACTIVE_STATES, ASSIGNED_STATES, WORK_ORDER_STATES, type WorkOrderState } from '../../core/work-order-states.ts';

/** The roles the routes distinguish (the dashboard's Role). */
export type ServiceRole = 'admin' | 'planner' | 'technician';

/** What the routes read of the user an auth plugin puts on `request.user` (the dashboard's User). */
export interface RequestUser {
  id: string;
  role: ServiceRole;
  technicianId?: string | null;
}

export interface ServiceRoutesOptions {
  service: ServiceDomain;
  /**
   * Optional role check: returns a preHandler that rejects a request whose `request.user.role`
   * is not among `roles`. When absent, every route is open (single-user demo). Technician-only
   * checks (a technician may act only on work orders assigned to them) are done here, against
   * `request.user.technicianId`, whenever a user is present.
   */
  authorize?: (roles: ServiceRole[]) => preHandlerHookHandler | preHandlerAsyncHookHandler;
}

/** Steps a technician may not take on their own job: assigning and cancelling is the planner's. */
const PLANNER_ONLY_STEPS: readonly WorkOrderState[] = ['assigned', 'cancelled'];

const MANAGE: ServiceRole[] = ['planner', 'admin'];
const FIELD: ServiceRole[] = ['planner', 'admin', 'technician'];
const ADMIN: ServiceRole[] = ['admin'];

const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const errorResponse = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;

function userOf(request: FastifyRequest): RequestUser | undefined {
  return ((request as unknown as { user?: RequestUser | null }).user) ?? undefined;
}

function actorOf(request: FastifyRequest, fallback = 'api'): string {
  const user = userOf(request);
  return user ? `${user.role}:${user.id}` : fallback;
}

/**
 * The service domain's REST routes; the dashboard calls this inside its '/api' prefix. The
 * routes live in their own encapsulated scope, so the error handler below (ServiceError → its
 * status and message) affects no other route.
 */
export async function serviceRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError | ServiceError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 500;
      if (status < 500) {
        const label = error instanceof ServiceError ? error.code : status === 400 ? 'Bad Request' : (error.code ?? 'Error');
        return reply.code(status).send({ statusCode: status, error: label, message: error.message });
      }
      request.log.error({ err: error, url: request.url, method: request.method }, 'service request failed');
      return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    });
    // CSV imports post the file as text/csv; only this scope parses it.
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    await registerWorkOrderRoutes(scope, opts);
    await registerNetworkRoutes(scope, opts);
    await registerNotificationRoutes(scope, opts);
    await registerSurveyAndKpiRoutes(scope, opts);
  });
}

const str = (max = 200) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const lat = { type: 'number', minimum: -90, maximum: 90 } as const;
const lon = { type: 'number', minimum: -180, maximum: 180 } as const;
const errors = { 400: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse } as const;
const csvBody = { type: 'string', minLength: 1, description: 'CSV file, header line first (Content-Type: text/csv)' } as const;
const importResult = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    rows: { type: 'integer' },
    imported: { type: 'integer' },
    committed: { type: 'boolean' },
    errors: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, message: { type: 'string' } } } },
  },
} as const;

/**
 * Route options for a role check: `config.roles` for the dashboard's default-deny hook, and the
 * injected `authorize` preHandler when given (either is enough; both agree).
 */
function guardFor(opts: ServiceRoutesOptions) {
  return (roles: ServiceRole[]) => ({
    config: { roles },
    ...(opts.authorize ? { preHandler: opts.authorize(roles) as preHandlerHookHandler } : {}),
  });
}

function requireFound<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw new ServiceError(404, 'Not Found', `${what} '${id}' not found`);
  return value;
}

async function registerWorkOrderRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);

  app.get<{ Querystring: { state?: WorkOrderState[]; deviceId?: string; technicianId?: string; mode?: string; from?: number; to?: number; limit?: number } }>(
    '/work-orders',
    {
      ...guard(FIELD),
      schema: {
        tags: ['work orders'],
        summary: 'List work orders, newest first (a technician sees only their own)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // Repeat the parameter or separate with commas: ?state=open&state=assigned or ?state=open,assigned.
            state: { type: 'array', items: { type: 'string', enum: WORK_ORDER_STATES as unknown as string[] } },
            deviceId: str(64),
            technicianId: str(64),
            mode: { type: 'string', enum: FAILURE_MODES as unknown as string[] },
            from: { type: 'integer', description: 'created at or after, epoch ms' },
            to: { type: 'integer', description: 'created at or before, epoch ms' },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
        },
        response: { 400: errorResponse },
      },
      preValidation: async (request) => {
        // Accept the comma form too: fastify parses ?state=a,b as one string.
        const q = request.query as Record<string, unknown>;
        if (typeof q.state === 'string') q.state = q.state.split(',').filter(Boolean);
      },
    },
    async (request) => {
      const q = request.query;
      const user = userOf(request);
      const technicianId = user?.role === 'technician' ? (user.technicianId ?? '\u0000none') : q.technicianId;
      const workOrders = service.listWorkOrders({ state: q.state, deviceId: q.deviceId, technicianId, mode: q.mode as never, fromMs: q.from, toMs: q.to, limit: q.limit });
      return { workOrders };
    },
  );

  app.post<{ Body: { deviceId: string; mode: (typeof FAILURE_MODES)[number]; severity?: Severity; note?: string } }>(
    '/work-orders',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['work orders'],
        summary: 'Open a work order by hand (customer call, routine visit); planned like an automatic one',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['deviceId', 'mode'],
          properties: {
            deviceId: str(64),
            mode: { type: 'string', enum: FAILURE_MODES as unknown as string[] },
            severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const workOrder = service.createWorkOrder({ ...request.body, actor: actorOf(request) });
      return reply.code(201).send({ workOrder });
    },
  );

  const ms = { type: 'integer', minimum: 0 } as const;
  app.post<{ Body: { workOrders: HistoricalWorkOrder[] } }>(
    '/work-orders/import',
    {
      ...guard(ADMIN),
      schema: {
        tags: ['work orders'],
        summary: 'Import finished work orders from a previous service system (own timestamps; all or nothing; no notifications)',
        description: 'Each job ends resolved (with resolutionCode and onSiteAtMs) or cancelled. Feeds the KPIs, first-time fix and the lead time given to analytics.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['workOrders'],
          properties: {
            workOrders: {
              type: 'array', minItems: 1, maxItems: 10000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['deviceId', 'mode', 'severity', 'createdAtMs'],
                properties: {
                  deviceId: str(64), mode: { type: 'string', enum: FAILURE_MODES as unknown as string[] }, severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
                  createdAtMs: ms, predictedFailureAtMs: { type: ['integer', 'null'], minimum: 0 }, source: str(32), technicianId: { type: ['string', 'null'], maxLength: 64 },
                  assignedAtMs: ms, acknowledgedAtMs: ms, enRouteAtMs: ms, onSiteAtMs: ms, resolvedAtMs: ms, cancelledAtMs: ms,
                  resolutionCode: { type: 'string', enum: RESOLUTION_CODES as unknown as string[] },
                  partSku: { type: ['string', 'null'], maxLength: 64 }, partDepotId: { type: ['string', 'null'], maxLength: 64 }, stockOut: { type: 'boolean' },
                  survey: {
                    type: 'object', additionalProperties: false, required: ['answeredAtMs', 'csat', 'nps'],
                    properties: { answeredAtMs: ms, csat: { type: 'integer', minimum: 1, maximum: 5 }, nps: { type: 'integer', minimum: 0, maximum: 10 }, comment: { type: 'string', maxLength: 4000 } },
                  },
                  note: { type: 'string', maxLength: 2000 },
                },
              },
            },
          },
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const ids = service.importHistory(request.body.workOrders);
      return reply.code(201).send({ imported: ids.length, ids });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/work-orders/:id',
    { ...guard(FIELD), schema: { tags: ['work orders'], summary: 'One work order with its transition history', params: idParam, response: errors } },
    async (request) => {
      const wo = requireFound(service.getWorkOrder(request.params.id), 'work order', request.params.id);
      assertOwnJob(request, wo.technicianId ?? null);
      return { workOrder: wo, history: service.workOrderHistory(wo.id) };
    },
  );

  app.post<{ Params: { id: string }; Body: { to: WorkOrderState; version: number; technicianId?: string; resolutionCode?: ResolutionCode; note?: string } }>(
    '/work-orders/:id/transitions',
    {
      ...guard(FIELD),
      schema: {
        tags: ['work orders'],
        summary: 'Move a work order along its lifecycle (409 on an invalid step or a stale version)',
        description:
          'open → assigned (technicianId) | cancelled; assigned → acknowledged | open (decline) | cancelled; acknowledged → en_route | cancelled; ' +
          'en_route → on_site | cancelled; on_site → resolved (resolutionCode). Send the version you last read.',
        params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to', 'version'],
          properties: {
            to: { type: 'string', enum: WORK_ORDER_STATES as unknown as string[] },
            version: { type: 'integer', minimum: 1, description: 'the version you last read; a mismatch is a 409' },
            technicianId: str(64),
            resolutionCode: { type: 'string', enum: RESOLUTION_CODES as unknown as string[] },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: errors,
      },
    },
    async (request) => {
      const wo = requireFound(service.getWorkOrder(request.params.id), 'work order', request.params.id);
      const user = userOf(request);
      if (user?.role === 'technician') {
        assertOwnJob(request, wo.technicianId ?? null);
        // Technicians move their own jobs forward or decline them; assigning and cancelling is the planner's.
        if (PLANNER_ONLY_STEPS.includes(request.body.to)) {
          throw new ServiceError(403, 'Forbidden', `a technician cannot move a work order to ${request.body.to}`);
        }
      }
      const b = request.body;
      const workOrder = service.transition(wo.id, { to: b.to, version: b.version, actor: actorOf(request), technicianId: b.technicianId, resolutionCode: b.resolutionCode, note: b.note });
      return { workOrder };
    },
  );

  app.post<{ Params: { id: string }; Body: { version: number } }>(
    '/work-orders/:id/dispatch',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['work orders'],
        summary: 'Re-run the dispatcher on an open work order (technician, part reservation, lead time)',
        params: idParam,
        body: { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'integer', minimum: 1 } } },
        response: errors,
      },
    },
    async (request) => ({ workOrder: service.dispatch(request.params.id, { version: request.body.version, actor: actorOf(request) }) }),
  );

  app.get<{ Params: { id: string } }>(
    '/work-orders/:id/survey',
    { ...guard(MANAGE), schema: { tags: ['surveys'], summary: "The customer survey of a work order (answers, or pending)", params: idParam, response: errors } },
    async (request) => ({ survey: requireFound(service.surveyOf(request.params.id), 'survey of work order', request.params.id) }),
  );

  app.post<{ Params: { id: string } }>(
    '/work-orders/:id/survey',
    { ...guard(MANAGE), schema: { tags: ['surveys'], summary: 'Issue a fresh one-time survey link (the previous unanswered link stops working)', params: idParam, response: errors } },
    async (request, reply) => reply.code(201).send(service.issueSurvey(request.params.id)),
  );
}

async function registerNetworkRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);

  app.get('/device-models', { ...guard(FIELD), schema: { tags: ['network'], summary: 'Product models with rated temperature, ISO 10816 class and spare parts per failure mode' } },
    async () => ({ models: service.registry.listModels() }));

  // ── customers and sites ──
  app.get('/customers', { ...guard(MANAGE), schema: { tags: ['network'], summary: 'Customers' } }, async () => ({ customers: service.registry.listCustomers() }));
  app.put<{ Params: { id: string }; Body: { name: string; email?: string; phone?: string } }>(
    '/customers/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['network'], summary: 'Create or update a customer', params: idParam,
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: str(), email: { type: 'string', format: 'email' }, phone: str(40) } },
        response: errors,
      },
    },
    async (request) => {
      service.registry.upsertCustomer({ id: request.params.id, ...request.body });
      return { customer: service.registry.listCustomers().find((c) => c.id === request.params.id) };
    },
  );
  app.get('/sites', { ...guard(MANAGE), schema: { tags: ['network'], summary: 'Customer sites with location' } }, async () => ({ sites: service.registry.listSites() }));
  app.put<{ Params: { id: string }; Body: { customerId: string; name: string; city?: string; lat: number; lon: number } }>(
    '/sites/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['network'], summary: 'Create or update a site', params: idParam,
        body: { type: 'object', additionalProperties: false, required: ['customerId', 'name', 'lat', 'lon'], properties: { customerId: str(64), name: str(), city: { type: 'string', maxLength: 100 }, lat, lon } },
        response: errors,
      },
    },
    async (request) => {
      service.registry.upsertSite({ id: request.params.id, city: '', ...request.body });
      return { site: service.registry.listSites().find((s) => s.id === request.params.id) };
    },
  );

  // ── devices (GET /devices and /devices/:id/telemetry are the dashboard's) ──
  const deviceBody = {
    type: 'object',
    additionalProperties: false,
    required: ['deviceId', 'modelId'],
    properties: {
      deviceId: { type: 'string', pattern: DEVICE_ID_PATTERN.source },
      modelId: str(64),
      serial: str(64),
      siteId: str(64),
      installDateMs: { type: 'integer' },
      warrantyEndMs: { type: 'integer' },
      contractTier: { type: 'string', enum: ['basic', 'standard', 'premium'] },
    },
  } as const;
  app.post<{ Body: { devices: DeviceInput[] } }>(
    '/devices',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['devices'], summary: 'Provision devices (idempotent upsert; fields left out keep their stored value)',
        body: { type: 'object', additionalProperties: false, required: ['devices'], properties: { devices: { type: 'array', minItems: 1, maxItems: 10000, items: deviceBody } } },
        response: errors,
      },
    },
    async (request) => {
      service.registry.upsertDevices(request.body.devices);
      return { devices: request.body.devices.map((d) => service.getDevice(d.deviceId)) };
    },
  );
  app.post<{ Body: string }>(
    '/devices/import',
    { ...guard(MANAGE), schema: { tags: ['devices'], summary: `CSV import of devices, all or nothing. Columns: ${CSV_COLUMNS.devices.required.join(', ')} [, ${CSV_COLUMNS.devices.optional.join(', ')}]`, body: csvBody, response: { 200: importResult, 422: importResult, 400: errorResponse } } },
    async (request, reply) => sendImport(reply, service, service.importCsv('devices', request.body)),
  );
  app.get<{ Params: { id: string } }>(
    '/devices/:id/service',
    { ...guard(FIELD), schema: { tags: ['devices'], summary: 'A device\'s service record: site, customer, warranty, contract, work orders (technicians: devices of their active jobs)', params: idParam, response: errors } },
    async (request, reply) => {
      const device = requireFound(service.getDevice(request.params.id), 'device', request.params.id);
      // A technician needs the site of the device they are sent to, and nothing else.
      const user = (request as { user?: { role: string; technicianId?: string | null } | null }).user;
      if (user?.role === 'technician' && !service.listWorkOrders({ deviceId: device.id, state: [...ACTIVE_STATES] }).some((o) => o.technicianId === user.technicianId)) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'not a device of your active work orders' });
      }
      // Of the device's history a technician sees only their own jobs, as on GET /work-orders.
      const technicianId = user?.role === 'technician' ? (user.technicianId ?? '\u0000none') : undefined;
      return { device, warrantyActive: device.warrantyEndMs >= service.nowMs(), workOrders: service.listWorkOrders({ deviceId: device.id, technicianId }) };
    },
  );

  // ── technicians ──
  app.get('/technicians', { ...guard(MANAGE), schema: { tags: ['technicians'], summary: 'Technicians with skills, shift, capacity and current load' } }, async () => ({ technicians: service.network.listTechnicians() }));
  app.get<{ Params: { id: string } }>(
    '/technicians/:id',
    { ...guard(FIELD), schema: { tags: ['technicians'], summary: 'One technician and their active work orders', params: idParam, response: errors } },
    async (request) => {
      const user = userOf(request);
      if (user?.role === 'technician' && (user.technicianId ?? null) !== request.params.id) throw new ServiceError(403, 'Forbidden', 'technicians see only their own record');
      const technician = requireFound(service.network.getTechnician(request.params.id), 'technician', request.params.id);
      return { technician, workOrders: service.listWorkOrders({ technicianId: technician.id, state: [...ASSIGNED_STATES] }) };
    },
  );
  app.put<{ Params: { id: string }; Body: Omit<TechnicianInput, 'id'> }>(
    '/technicians/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['technicians'], summary: 'Create or update a technician (skills are replaced)', params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'homeLat', 'homeLon', 'skills'],
          properties: {
            name: str(), phone: str(40), email: { type: 'string', format: 'email' }, homeLat: lat, homeLon: lon, depotId: str(64),
            shiftStartMin: { type: 'integer', minimum: 0, maximum: 1440 }, shiftEndMin: { type: 'integer', minimum: 0, maximum: 1440 },
            utcOffsetMin: { type: 'integer', minimum: -720, maximum: 840 }, workDaysMask: { type: 'integer', minimum: 0, maximum: 127 },
            maxOpenJobs: { type: 'integer', minimum: 0, maximum: 100 }, active: { type: 'boolean' },
            skills: {
              type: 'array', minItems: 1,
              items: { type: 'object', additionalProperties: false, required: ['modelId', 'mode'], properties: { modelId: str(64), mode: { type: 'string', enum: ['*', ...FAILURE_MODES] } } },
            },
          },
        },
        response: errors,
      },
    },
    async (request) => {
      service.network.upsertTechnician({ id: request.params.id, ...request.body });
      service.sweepBacklog(); // a new or freed-up technician may staff waiting jobs
      return { technician: service.network.getTechnician(request.params.id) };
    },
  );
  app.post<{ Body: string }>(
    '/technicians/import',
    { ...guard(MANAGE), schema: { tags: ['technicians'], summary: `CSV import of technicians, all or nothing. Columns: ${CSV_COLUMNS.technicians.required.join(', ')} [, ${CSV_COLUMNS.technicians.optional.join(', ')}]; skills as model:mode;model:mode`, body: csvBody, response: { 200: importResult, 422: importResult, 400: errorResponse } } },
    async (request, reply) => sendImport(reply, service, service.importCsv('technicians', request.body)),
  );

  // ── depots and inventory ──
  app.get('/depots', { ...guard(FIELD), schema: { tags: ['inventory'], summary: 'Depots with location' } }, async () => ({ depots: service.network.listDepots() }));
  app.put<{ Params: { id: string }; Body: { name: string; city?: string; lat: number; lon: number } }>(
    '/depots/:id',
    {
      ...guard(MANAGE),
      schema: { tags: ['inventory'], summary: 'Create or update a depot', params: idParam, body: { type: 'object', additionalProperties: false, required: ['name', 'lat', 'lon'], properties: { name: str(), city: { type: 'string', maxLength: 100 }, lat, lon } }, response: errors },
    },
    async (request) => {
      service.network.upsertDepot({ id: request.params.id, city: '', ...request.body });
      return { depot: service.network.listDepots().find((d) => d.id === request.params.id) };
    },
  );
  app.get<{ Querystring: { depotId?: string; sku?: string; belowReorderPoint?: boolean } }>(
    '/inventory',
    {
      ...guard(FIELD),
      schema: {
        tags: ['inventory'], summary: 'Parts on hand, reserved and available per depot',
        querystring: { type: 'object', additionalProperties: false, properties: { depotId: str(64), sku: str(64), belowReorderPoint: { type: 'boolean' } } },
        response: { 400: errorResponse },
      },
    },
    async (request) => {
      const items = service.network.listInventory(request.query);
      return { inventory: request.query.belowReorderPoint ? items.filter((i) => i.belowReorderPoint) : items };
    },
  );
  app.put<{ Params: { depotId: string; sku: string }; Body: { onHand: number; reorderPoint?: number; leadTimeMs?: number } }>(
    '/inventory/:depotId/:sku',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['inventory'], summary: 'Set stock on hand (a count), reorder point and lead time of a part at a depot',
        params: { type: 'object', required: ['depotId', 'sku'], properties: { depotId: str(64), sku: str(64) } },
        body: { type: 'object', additionalProperties: false, required: ['onHand'], properties: { onHand: { type: 'integer', minimum: 0 }, reorderPoint: { type: 'integer', minimum: 0 }, leadTimeMs: { type: 'integer', minimum: 0 } } },
        response: errors,
      },
    },
    async (request) => {
      service.network.upsertInventory({ ...request.params, ...request.body });
      service.sweepBacklog(); // stock arrived: fill backorders
      return { item: service.network.listInventory(request.params)[0] };
    },
  );
  app.post<{ Body: string }>(
    '/inventory/import',
    { ...guard(MANAGE), schema: { tags: ['inventory'], summary: `CSV import of stock, all or nothing. Columns: ${CSV_COLUMNS.inventory.required.join(', ')} [, ${CSV_COLUMNS.inventory.optional.join(', ')}]`, body: csvBody, response: { 200: importResult, 422: importResult, 400: errorResponse } } },
    async (request, reply) => sendImport(reply, service, service.importCsv('inventory', request.body)),
  );
}

async function registerNotificationRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);

  app.get('/webhooks', { ...guard(ADMIN), schema: { tags: ['webhooks'], summary: 'Configured CRM/ERP webhooks (secrets are never returned)' } }, async () => ({ webhooks: service.notifier.listWebhooks() }));
  app.post<{ Body: { url: string; secret: string; events?: string[] } }>(
    '/webhooks',
    {
      ...guard(ADMIN),
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook: events are POSTed as JSON with X-Purna-Signature: sha256=HMAC(secret, timestamp + "." + body). Internal addresses (loopback, private, link-local, metadata …) are refused unless PURNA_WEBHOOK_ALLOW_HOSTS names them',
        body: {
          type: 'object', additionalProperties: false, required: ['url', 'secret'],
          properties: { url: { type: 'string', format: 'uri', maxLength: 2000 }, secret: { type: 'string', minLength: 16, maxLength: 200 }, events: { type: 'array', items: str(64) } },
        },
        response: errors,
      },
    },
    async (request, reply) => {
      await service.notifier.checkWebhookUrl(request.body.url); // internal addresses: 400 (issue 13)
      return reply.code(201).send({ webhook: service.notifier.addWebhook(request.body) });
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/webhooks/:id',
    { ...guard(ADMIN), schema: { tags: ['webhooks'], summary: 'Deactivate a webhook (its delivery log stays)', params: idParam, response: errors } },
    async (request, reply) => {
      service.notifier.removeWebhook(request.params.id);
      return reply.code(204).send();
    },
  );
  app.get<{ Querystring: { state?: string; limit?: number } }>(
    '/deliveries',
    {
      ...guard(ADMIN),
      schema: {
        tags: ['webhooks'], summary: 'The notification delivery log (webhooks and MQTT), newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: ['pending', 'delivered', 'dead'] }, limit: { type: 'integer', minimum: 1, maximum: 1000 } } },
        response: { 400: errorResponse },
      },
    },
    async (request) => ({ deliveries: service.notifier.listDeliveries(request.query) }),
  );
  const deliveryId = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;
  app.get<{ Params: { id: number } }>(
    '/deliveries/:id/attempts',
    { ...guard(ADMIN), schema: { tags: ['webhooks'], summary: 'Every attempt of one delivery', params: deliveryId, response: errors } },
    async (request) => ({ attempts: service.notifier.deliveryAttempts(request.params.id) }),
  );
  app.post<{ Params: { id: number } }>(
    '/deliveries/:id/retry',
    { ...guard(ADMIN), schema: { tags: ['webhooks'], summary: 'Retry a pending delivery now instead of at its backoff time', params: deliveryId, response: errors } },
    async (request, reply) => {
      service.notifier.retryNow(request.params.id);
      return reply.code(202).send({ ok: true });
    },
  );
}

async function registerSurveyAndKpiRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);
  const tokenParam = { type: 'object', required: ['token'], properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{20,100}$' } } } as const;

  // Public: the customer follows the one-time link; the token is the authorisation.
  app.get<{ Params: { token: string } }>(
    '/surveys/:token',
    {
      config: { public: true },
      schema: {
        tags: ['surveys'],
        summary: 'Open a survey link (404 unknown, 410 used or expired); a browser (Accept: text/html) gets the form page',
        params: tokenParam,
        response: { 400: errorResponse, 404: errorResponse, 410: errorResponse },
      },
    },
    async (request, reply) => {
      const wantsHtml = (request.headers.accept ?? '').includes('text/html');
      if (!wantsHtml) {
        return {
          ...service.openSurvey(request.params.token),
          questions: { csat: 'How satisfied are you with this service visit? (1–5)', nps: 'How likely are you to recommend us to a colleague? (0–10)', comment: 'Anything we should know?' },
        };
      }
      try {
        const { workOrder } = service.openSurvey(request.params.token);
        return reply.type('text/html; charset=utf-8').send(surveyFormPage(workOrder));
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        return reply.code(err.statusCode).type('text/html; charset=utf-8').send(surveyMessagePage(err.statusCode === 410 ? 'Thank you — this survey has already been answered (or the link has expired).' : 'This survey link is not valid.'));
      }
    },
  );
  app.post<{ Params: { token: string }; Body: { csat: number; nps: number; comment?: string } }>(
    '/surveys/:token',
    {
      config: { public: true },
      schema: {
        tags: ['surveys'], summary: 'Answer a survey; the link works once (410 afterwards)', params: tokenParam,
        body: {
          type: 'object', additionalProperties: false, required: ['csat', 'nps'],
          properties: { csat: { type: 'integer', minimum: 1, maximum: 5 }, nps: { type: 'integer', minimum: 0, maximum: 10 }, comment: { type: 'string', maxLength: 4000 } },
        },
        response: { 400: errorResponse, 404: errorResponse, 410: errorResponse },
      },
    },
    async (request) => ({ survey: service.answerSurvey(request.params.token, request.body) }),
  );

  const BUCKET_MS = { day: 24 * 3600_000, week: 7 * 24 * 3600_000 } as const;
  app.get<{ Querystring: { from?: number; to?: number; bucket: keyof typeof BUCKET_MS } }>(
    '/kpis/trend',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['kpis'],
        summary: 'The KPIs per day or week over [from, to) (epoch ms; default the last 12 weeks), for trend charts',
        querystring: {
          type: 'object', additionalProperties: false,
          properties: { from: { type: 'integer' }, to: { type: 'integer' }, bucket: { type: 'string', enum: ['day', 'week'], default: 'week' } },
        },
        response: { 400: errorResponse },
      },
    },
    async (request) => {
      const bucketMs = BUCKET_MS[request.query.bucket];
      const to = request.query.to ?? service.nowMs() + 1;
      const from = request.query.from ?? to - 12 * BUCKET_MS.week;
      if (from >= to) throw new ServiceError(400, 'Bad Request', 'from must be before to');
      return { bucket: request.query.bucket, buckets: service.kpiTrend(from, to, bucketMs) };
    },
  );

  app.get<{ Querystring: { from?: number; to?: number } }>(
    '/kpis',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['kpis'],
        summary: 'Service KPIs over [from, to) (epoch ms; default the last 30 days) for work orders created in the period',
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'integer' }, to: { type: 'integer' } } },
        response: { 400: errorResponse },
      },
    },
    async (request) => {
      const to = request.query.to ?? service.nowMs() + 1; // [from, to): include this very millisecond
      const from = request.query.from ?? to - 30 * 24 * 3600_000;
      if (from >= to) throw new ServiceError(400, 'Bad Request', 'from must be before to');
      return { kpis: service.kpis(from, to), leadTimeMs: service.currentLeadTimeMs() };
    },
  );
}

function sendImport(reply: FastifyReply, service: ServiceDomain, result: ImportResult) {
  if (result.committed && result.kind !== 'devices') service.sweepBacklog();
  // 422: the file was well-formed as a request but its rows were not; nothing was written.
  return reply.code(result.committed ? 200 : 422).send(result);
}

/** When a technician is signed in, they may touch only the jobs assigned to them. */
function assertOwnJob(request: FastifyRequest, technicianId: string | null): void {
  const user = userOf(request);
  if (user?.role === 'technician' && (!user.technicianId || user.technicianId !== technicianId)) {
    throw new ServiceError(403, 'Forbidden', 'this work order is not assigned to you');
  }
}
