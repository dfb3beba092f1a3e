import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { refusalError } from '../customers/tracking.ts';
import { TRACKING_RATE_PER_MINUTE } from '../customers/tracking-routes.ts';
import type { ServiceRoutesOptions } from '../http/access.ts';
import { Note, OneOf } from '../http/schemas.ts';

const TokenParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });
const Decision = Type.Object(
  { decision: OneOf(['approve', 'decline'] as const), note: Type.Optional(Note) },
  { additionalProperties: false },
);

/**
 * The quote on the customer's tracking link (public: the token is the authorisation; rate-limited
 * per address like the tracking page): read it, approve or decline it. For the tracking page to
 * show; its JSON is the API.
 */
export async function quoteTrackingRoutes(parent: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const tags = ['tracking'];
  await parent.register(async (scope) => {
    await scope.register(fastifyRateLimit, { global: false });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const config = { public: true, rateLimit: { max: TRACKING_RATE_PER_MINUTE, timeWindow: 60_000 } };
    const jobOf = (token: string) => {
      const opened = service.customers.openTracking(token);
      if (!opened.ok) throw refusalError(opened, opened.status === 410 ? opened.language : 'id');
      return opened.view.workOrderId;
    };

    app.get(
      '/track/:token/quote',
      {
        config,
        schema: {
          tags,
          summary:
            "The quote of the job on the customer's link: its lines and total in whole rupiah, and whether it waits for them",
          params: TokenParams,
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return { quote: service.billing.quoteOf(jobOf(request.params.token)) };
      },
    );
    app.post(
      '/track/:token/quote',
      {
        config,
        schema: {
          tags,
          summary:
            'The customer approves the quote (the technician is sent) or declines it (the job is cancelled); 409 once decided',
          params: TokenParams,
          body: Decision,
        },
      },
      async (request) => {
        const quote = service.billing.quoteOf(jobOf(request.params.token));
        const r = service.billing.decide(quote.id, request.body.decision === 'approve' ? 'approved' : 'declined', {
          by: 'customer:tracking',
          via: 'tracking',
          note: request.body.note,
        });
        return { quote: r.quote, state: r.workOrder.state };
      },
    );
  });
}
