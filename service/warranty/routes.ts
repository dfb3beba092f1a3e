import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, Note, OneOf, Text } from '../http/schemas.ts';
import { RESOLUTION_CODES } from '../types.ts';
import { CLAIM_STATUSES } from './claims.ts';
import { TERMS_TIERS } from './terms.ts';

const TermsParams = Type.Object({
  modelId: Type.String({ minLength: 1, maxLength: 64, description: "a catalogue model id, or '*' for any model" }),
  tier: OneOf(TERMS_TIERS),
});
const TermsBody = Type.Object(
  {
    periodMonths: Type.Integer({ minimum: 0, maximum: 240 }),
    partsCovered: Type.Boolean(),
    labourCovered: Type.Boolean(),
    exclusions: Type.Array(OneOf(RESOLUTION_CODES), { maxItems: 16, description: 'resolution codes not covered' }),
  },
  { additionalProperties: false },
);
const ClaimBody = Type.Object(
  {
    cause: Text(2000),
    parts: Type.Optional(
      Type.Array(
        Type.Object(
          { sku: Text(64), quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) },
          { additionalProperties: false },
        ),
        { maxItems: 200, description: 'default: the parts the job consumed' },
      ),
    ),
    labourMinutes: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'default: the time on site' }),
    ),
  },
  { additionalProperties: false },
);

/** /warranty/terms…, /devices/:id/coverage, /work-orders/:id/claim, /warranty/claims… */
export async function warrantyRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['warranty'];

  app.get(
    '/warranty/terms',
    {
      ...guard(MANAGE),
      schema: { tags, summary: 'Warranty and contract terms per model and tier (stored or default)' },
    },
    async () => ({ terms: service.warranty.listTerms() }),
  );
  app.put(
    '/warranty/terms/:modelId/:tier',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          "A model's (or '*': every model's) terms for a tier: period, parts and labour covered, excluded resolutions",
        params: TermsParams,
        body: TermsBody,
      },
    },
    async (request) => ({
      terms: service.warranty.saveTerms(request.params.modelId, request.params.tier, request.body, actorOf(request)),
    }),
  );
  app.get(
    '/devices/:id/coverage',
    { ...guard(MANAGE), schema: { tags, summary: 'What covers the device now, and until when', params: IdParams } },
    async (request) => ({ coverage: service.warranty.coverageOf(request.params.id) }),
  );
  app.post(
    '/work-orders/:id/claim',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          'Claim a resolved, covered job from the manufacturer: parts, labour, cause (priced from the price list)',
        params: IdParams,
        body: ClaimBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send({ claim: service.warranty.createClaim(request.params.id, request.body, actorOf(request)) }),
  );
  app.post(
    '/warranty/reminders/run',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Remind the customers whose warranty or contract ends within 30 days (runs every hour by itself)',
      },
    },
    async () => ({ reminders: service.warranty.remindCoverageEnding() }),
  );
  app.get(
    '/warranty/claims',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Warranty claims, newest first',
        querystring: Type.Object({ status: Type.Optional(OneOf(CLAIM_STATUSES)) }, { additionalProperties: false }),
      },
    },
    async (request) => ({ claims: service.warranty.listClaims(request.query) }),
  );
  app.get(
    '/warranty/claims/:id',
    { ...guard(MANAGE), schema: { tags, summary: 'One warranty claim', params: IdParams } },
    async (request) => ({ claim: service.warranty.getClaim(request.params.id) }),
  );
  for (const [path, status] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const)
    app.post(
      `/warranty/claims/:id/${path}`,
      {
        ...guard(MANAGE),
        schema: {
          tags,
          summary:
            status === 'approved' ? 'The manufacturer approved the claim' : 'The manufacturer rejected it (note: why)',
          params: IdParams,
          body: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
        },
      },
      async (request) => ({
        claim: service.warranty.decideClaim(request.params.id, status, actorOf(request), request.body.note),
      }),
    );
}
