import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, Note, OneOf, Text } from '../http/schemas.ts';

/** Whole rupiah: JSON integers only (a decimal or a negative price is a 400 naming the field). */
const Rupiah = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description}, whole rupiah` });

const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });

const QuoteLine = Type.Object(
  {
    kind: OneOf(['part', 'labour', 'other'] as const),
    description: Text(200),
    sku: Type.Optional(Text(64)),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    minutes: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'labour lines: minutes on site' }),
    ),
    unitPriceIdr: Rupiah('unit price (labour: the hourly rate)'),
  },
  { additionalProperties: false },
);

const Decision = Type.Object(
  {
    via: Type.Optional(OneOf(['phone', 'api'] as const, 'how the customer answered (default phone)')),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);

/** /billing/parts, /billing/labour-rates, /work-orders/:id/quote, /quotes/:id… */
export async function billingRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['billing'];

  app.get('/billing/parts', { ...guard(MANAGE), schema: { tags, summary: 'Part prices (IDR)' } }, async () => ({
    parts: service.billing.listPartPrices(),
  }));
  app.put(
    '/billing/parts/:key',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "A part's price by SKU, whole rupiah",
        params: KeyParams,
        body: Type.Object({ priceIdr: Rupiah('price') }, { additionalProperties: false }),
      },
    },
    async (request) => ({
      part: service.billing.setPartPrice(request.params.key, request.body.priceIdr, actorOf(request)),
    }),
  );
  app.get(
    '/billing/labour-rates',
    { ...guard(MANAGE), schema: { tags, summary: "Hourly labour rates by skill ('*': the default), IDR" } },
    async () => ({ labourRates: service.billing.listLabourRates() }),
  );
  app.put(
    '/billing/labour-rates/:key',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "A skill's hourly labour rate ('*' for any skill without its own), whole rupiah",
        params: KeyParams,
        body: Type.Object({ rateIdrPerHour: Rupiah('hourly rate') }, { additionalProperties: false }),
      },
    },
    async (request) => ({
      labourRate: service.billing.setLabourRate(request.params.key, request.body.rateIdrPerHour, actorOf(request)),
    }),
  );
  app.get(
    '/work-orders/:id/quote',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "The job's current quote: its lines and total in whole rupiah, and its status",
        params: IdParams,
      },
    },
    async (request) => ({ quote: service.billing.quoteOf(request.params.id) }),
  );
  app.put(
    '/quotes/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "Revise a pending quote's lines (amounts computed exactly; the total is their sum)",
        params: IdParams,
        body: Type.Object(
          { lines: Type.Array(QuoteLine, { minItems: 1, maxItems: 5000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ quote: service.billing.reviseQuote(request.params.id, request.body.lines) }),
  );
  for (const [path, decision] of [
    ['approve', 'approved'],
    ['decline', 'declined'],
  ] as const)
    app.post(
      `/quotes/:id/${path}`,
      {
        ...guard(MANAGE),
        schema: {
          tags,
          summary:
            decision === 'approved'
              ? "Record the customer's approval (a phone call to the planner): the amount goes on the job and it is dispatched"
              : "Record the customer's refusal: the job is cancelled",
          params: IdParams,
          body: Decision,
        },
      },
      async (request) =>
        service.billing.decide(request.params.id, decision, {
          by: actorOf(request),
          via: request.body.via ?? 'phone',
          note: request.body.note,
        }),
    );
}
