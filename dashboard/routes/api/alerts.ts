import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../../core/http-errors.ts';
import { MAX_COMMENT_LENGTH, type AlertBook } from '../../alerts/alert-book.ts';
import type { User } from '../../auth/users.ts';

export interface AlertRoutesOptions {
  alerts: AlertBook;
  /** The people an alert may be assigned to: planners and admins. */
  assignees: () => Pick<User, 'id' | 'name' | 'email'>[];
}

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

/** The planners' alert list: read it, acknowledge an alert with a comment, assign it to a planner. */
export async function alertRoutes(app: FastifyInstance, opts: AlertRoutesOptions): Promise<void> {
  app.get(
    '/alerts',
    {
      // Unresolved alerts and those resolved in the last day, most recently changed first, and who
      // they may be assigned to.
      config: { roles: ['planner'] },
      schema: { tags: ['alerts'], summary: 'The alert list: unresolved alerts and those resolved in the last 24 h' },
    },
    async () => ({
      alerts: opts.alerts.list(),
      assignees: opts.assignees().map((u) => ({ id: u.id, name: u.name || u.email })),
    }),
  );

  app.post<{ Params: { id: number }; Body: { comment?: string } }>(
    '/alerts/:id/acknowledge',
    {
      config: { roles: ['planner'] },
      schema: {
        tags: ['alerts'],
        summary:
          'Acknowledge an alert, with a comment (it stays in the list until the device recovers or the job ends)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { comment: { type: 'string', maxLength: MAX_COMMENT_LENGTH } },
        },
      },
    },
    async (request) => ({ alert: opts.alerts.acknowledge(request.params.id, request.user!.id, request.body?.comment) }),
  );

  app.post<{ Params: { id: number }; Body: { userId: string | null } }>(
    '/alerts/:id/assign',
    {
      config: { roles: ['planner'] },
      schema: {
        tags: ['alerts'],
        summary: 'Assign an alert to a planner (userId), or to nobody (null)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['userId'],
          properties: { userId: { anyOf: [{ type: 'string', minLength: 1, maxLength: 64 }, { type: 'null' }] } },
        },
      },
    },
    async (request) => {
      const to = request.body.userId;
      if (to !== null && !opts.assignees().some((u) => u.id === to))
        throw new HttpError(400, `userId ${to} is not a planner or admin`);
      return { alert: opts.alerts.assign(request.params.id, request.user!.id, to) };
    },
  );
}
