import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { badRequest } from '../types.ts';

const DAY_MS = 24 * 3600_000;
const BUCKET_MS = { day: DAY_MS, week: 7 * DAY_MS } as const;
type Bucket = keyof typeof BUCKET_MS;
const DEFAULT_BUCKET: Bucket = 'week';

const Period = { from: Type.Optional(Type.Integer()), to: Type.Optional(Type.Integer()) };
const KpiQuery = Type.Object(Period, { additionalProperties: false });
const TrendQuery = Type.Object(
  {
    ...Period,
    bucket: Type.Optional(Type.Unsafe<Bucket>({ type: 'string', enum: ['day', 'week'], default: DEFAULT_BUCKET })),
  },
  { additionalProperties: false },
);

/** The service KPIs over a period, and per day or week for the trend charts. */
export async function kpiRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['kpis'];

  app.get(
    '/kpis/trend',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'The KPIs per day or week over [from, to) (epoch ms; default the last 12 weeks), for trend charts',
        querystring: TrendQuery,
      },
    },
    async (request) => {
      const bucket = request.query.bucket ?? DEFAULT_BUCKET;
      const to = request.query.to ?? service.nowMs() + 1;
      const from = request.query.from ?? to - 12 * BUCKET_MS.week;
      if (from >= to) throw badRequest('from must be before to');
      return { bucket, buckets: service.kpis.kpiTrend(from, to, BUCKET_MS[bucket]) };
    },
  );

  app.get(
    '/kpis',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          'Service KPIs over [from, to) (epoch ms; default the last 30 days) for work orders created in the period',
        querystring: KpiQuery,
      },
    },
    async (request) => {
      const to = request.query.to ?? service.nowMs() + 1; // [from, to): include this very millisecond
      const from = request.query.from ?? to - 30 * DAY_MS;
      if (from >= to) throw badRequest('from must be before to');
      return { kpis: service.kpis.kpis(from, to), leadTimeMs: service.workOrders.currentLeadTimeMs() };
    },
  );
}
