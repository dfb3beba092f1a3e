import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { ServiceDomain } from '../index.ts';
import { FAILURE_MODES, RESOLUTION_CODES, ServiceError } from '../types.ts';
import { WORK_ORDER_STATES } from '../work-orders.ts';
import type { WorkOrderState } from '../../core/types.ts';

/** The user an auth plugin puts on the request (built by the dashboard). */
export interface RequestUser {
  id: string;
  role: 'planner' | 'technician' | 'admin' | string;
  technicianId?: string;
}

export interface ServiceRoutesOptions {
  service: ServiceDomain;
  /**
   * Optional role check: returns a preHandler that rejects a request whose `request.user.role`
   * is not among `roles`. When absent, every route is open (single-user demo). Technician-only
   * checks (a technician may act only on work orders assigned to them) are done here, against
   * `request.user.technicianId`, whenever a user is present.
   */
  authorize?: (roles: string[]) => preHandlerHookHandler;
}

const MANAGE = ['planner', 'admin'];
const FIELD = ['planner', 'admin', 'technician'];

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
  return (request as FastifyRequest & { user?: RequestUser }).user;
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
    await registerWorkOrderRoutes(scope, opts);
  });
}

async function registerWorkOrderRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = (roles: string[]) => (opts.authorize ? { preHandler: opts.authorize(roles) } : {});

  app.get<{ Querystring: { state?: WorkOrderState[]; deviceId?: string; technicianId?: string; mode?: string; from?: number; to?: number; limit?: number } }>(
    '/work-orders',
    {
      ...guard(FIELD),
      schema: {
        tags: ['work orders'],
        summary: 'List work orders, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // Repeat the parameter or separate with commas: ?state=open&state=assigned or ?state=open,assigned.
            state: { type: 'array', items: { type: 'string', enum: WORK_ORDER_STATES as unknown as string[] } },
            deviceId: { type: 'string', minLength: 1, maxLength: 64 },
            technicianId: { type: 'string', minLength: 1, maxLength: 64 },
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
      // A technician sees only their own jobs.
      const technicianId = user?.role === 'technician' ? (user.technicianId ?? '\u0000none') : q.technicianId;
      const workOrders = service.listWorkOrders({
        state: q.state,
        deviceId: q.deviceId,
        technicianId,
        mode: q.mode as never,
        fromMs: q.from,
        toMs: q.to,
        limit: q.limit,
      });
      return { workOrders };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/work-orders/:id',
    { ...guard(FIELD), schema: { tags: ['work orders'], summary: 'One work order with its transition history', params: idParam } },
    async (request) => {
      const wo = service.getWorkOrder(request.params.id);
      if (!wo) throw new ServiceError(404, 'Not Found', `work order '${request.params.id}' not found`);
      assertOwnJob(request, wo.technicianId ?? null);
      return { workOrder: wo, history: service.workOrderHistory(wo.id) };
    },
  );

  app.post<{ Params: { id: string }; Body: { to: WorkOrderState; version: number; technicianId?: string; resolutionCode?: (typeof RESOLUTION_CODES)[number]; note?: string } }>(
    '/work-orders/:id/transitions',
    {
      ...guard(FIELD),
      schema: {
        tags: ['work orders'],
        summary: 'Move a work order along its lifecycle (409 on an invalid step or a stale version)',
        params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to', 'version'],
          properties: {
            to: { type: 'string', enum: WORK_ORDER_STATES as unknown as string[] },
            version: { type: 'integer', minimum: 1, description: 'the version you last read; a mismatch is a 409' },
            technicianId: { type: 'string', minLength: 1, maxLength: 64 },
            resolutionCode: { type: 'string', enum: RESOLUTION_CODES as unknown as string[] },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 400: errorResponse, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request) => {
      const wo = service.getWorkOrder(request.params.id);
      if (!wo) throw new ServiceError(404, 'Not Found', `work order '${request.params.id}' not found`);
      const user = userOf(request);
      if (user?.role === 'technician') {
        assertOwnJob(request, wo.technicianId ?? null);
        // Technicians move their own jobs forward; assigning and cancelling is the planner's.
        if (!['acknowledged', 'en_route', 'on_site', 'resolved', 'open'].includes(request.body.to)) {
          throw new ServiceError(403, 'Forbidden', `a technician cannot move a work order to ${request.body.to}`);
        }
      }
      const b = request.body;
      const workOrder = service.transition(wo.id, {
        to: b.to,
        version: b.version,
        actor: actorOf(request),
        technicianId: b.technicianId,
        resolutionCode: b.resolutionCode,
        note: b.note,
      });
      return { workOrder };
    },
  );
}

/** When a technician is signed in, they may touch only the jobs assigned to them. */
function assertOwnJob(request: FastifyRequest, technicianId: string | null): void {
  const user = userOf(request);
  if (user?.role === 'technician' && (!user.technicianId || user.technicianId !== technicianId)) {
    throw new ServiceError(403, 'Forbidden', 'this work order is not assigned to you');
  }
}
