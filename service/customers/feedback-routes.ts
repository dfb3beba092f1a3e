import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, Note } from '../http/schemas.ts';

const FollowUpQuery = Type.Object(
  {
    open: Type.Optional(Type.Boolean({ description: 'only the tasks nobody has done yet (oldest first)' })),
    workOrderId: Type.Optional(Type.String({ maxLength: 64 })),
    customerId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const FollowUpParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Done = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });

/** What customers said after their visits: the planner's follow-up tasks and a job's feedback. */
export async function feedbackRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['feedback'];

  app.get(
    '/follow-ups',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          'Follow-up tasks for the planner: a low rating (1–2 stars or NPS 0–6), "not fixed" on the tracking page, a customer message no job fits',
        querystring: FollowUpQuery,
      },
    },
    async (request) => ({ followUps: service.customers.listFollowUps(request.query) }),
  );
  app.post(
    '/follow-ups/:id/done',
    {
      ...guard(MANAGE),
      schema: { tags, summary: 'Close a follow-up task (409 when already done)', params: FollowUpParams, body: Done },
    },
    async (request) => ({
      followUp: service.customers.completeFollowUp(request.params.id, {
        actor: actorOf(request),
        note: request.body.note,
      }),
    }),
  );
  app.get(
    '/work-orders/:id/feedback',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          "What the customer said about a job: the survey's answer, each contact's confirmation and rating from their tracking page, the follow-ups it opened, the messages the customer sent about it",
        params: IdParams,
      },
    },
    async (request) => ({
      survey: service.customers.surveyOf(request.params.id) ?? null,
      answers: service.customers.trackingAnswers(request.params.id),
      followUps: service.customers.listFollowUps({ workOrderId: request.params.id }),
      inbound: service.customers.inboundMessages({ workOrderId: request.params.id }),
    }),
  );
}
