import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../../core/http-errors.ts';
import { DEVICE_ID_PATTERN } from '../../../core/topics.ts';
import type { TelemetryStore } from '../../../store/telemetry-store.ts';
import type { FleetView } from '../../fleet-view.ts';
import type { HealthHistory } from '../../history/health-history.ts';

export interface DeviceRoutesOptions {
  fleet: FleetView;
  store: TelemetryStore;
  history?: HealthHistory;
  nowMs: () => number;
  technicianSeesDevice: (technicianId: string, deviceId: string) => boolean;
}

const MAX_POINTS = 10_000;
/** A chart is at most a few thousand pixels wide: more points than this are never drawn. */
const MAX_CHART_POINTS = 5000;
const DEFAULT_WINDOW_MS = 3600_000;
/** Buckets shorter than this would hold one reading of a device sending every second: send the readings. */
const MIN_BUCKET_MS = 2000;
const MAX_EVENTS = 1000;

/** Epoch ms or ISO 8601. */
const timeParam = {
  anyOf: [
    { type: 'string', pattern: '^-?\\d{1,15}$' },
    { type: 'string', format: 'date-time' },
  ],
} as const;

function toMs(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  return /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: DEVICE_ID_PATTERN.source } },
  required: ['id'],
} as const;
const rangeProperties = { from: timeParam, to: timeParam } as const;
type Range = { from?: string; to?: string };

/** GET /api/devices; a device's telemetry (from the telemetry store), health history and events (from the control room's history). */
export async function deviceRoutes(app: FastifyInstance, opts: DeviceRoutesOptions): Promise<void> {
  app.get(
    '/devices',
    {
      // Every known device with its latest values, health and connection status.
      config: { roles: ['planner'] },
      schema: { tags: ['devices'] },
    },
    async () => ({ devices: opts.fleet.list() }),
  );

  /** The range asked for (default: the last hour up to now), after the technician check. */
  const rangeOf = (request: FastifyRequest<{ Params: { id: string }; Querystring: Range }>) => {
    const user = request.user!;
    if (
      user.role === 'technician' &&
      !(user.technicianId && opts.technicianSeesDevice(user.technicianId, request.params.id))
    ) {
      throw new HttpError(403, 'not a device of your work orders');
    }
    const now = opts.nowMs();
    const to = toMs(request.query.to, now);
    const from = toMs(request.query.from, to - DEFAULT_WINDOW_MS);
    if (from > to) throw new HttpError(400, 'from must not be after to');
    return { from, to };
  };

  app.get<{ Params: { id: string }; Querystring: Range & { limit?: number; points?: number } }>(
    '/devices/:id/telemetry',
    {
      // A device's stored telemetry between from and to (epoch ms or ISO 8601; default: the last hour).
      // With `points`, at most that many: buckets of (to - from) / points with each metric's mean,
      // min and max (a week at 1 Hz is 604,800 readings). Technicians see the devices of their own
      // work orders only.
      config: { roles: ['planner', 'technician'] },
      schema: {
        tags: ['devices'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...rangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: MAX_POINTS },
            points: { type: 'integer', minimum: 10, maximum: MAX_CHART_POINTS },
          },
        },
      },
    },
    async (request) => {
      const { from, to } = rangeOf(request);
      const id = request.params.id;
      const bucketMs = request.query.points ? Math.ceil((to - from + 1) / request.query.points) : 0;
      if (bucketMs >= MIN_BUCKET_MS) {
        const buckets = await opts.store.queryBuckets(id, from, to, bucketMs);
        return {
          deviceId: id,
          from,
          to,
          bucketMs,
          points: buckets.map((b) => ({ tsMs: b.tsMs, values: b.mean, min: b.min, max: b.max })),
        };
      }
      const limit = request.query.limit ?? MAX_POINTS;
      const points = await opts.store.query(id, from, to, limit);
      return { deviceId: id, from, to, bucketMs: 0, points: points.map((p) => ({ tsMs: p.tsMs, values: p.values })) };
    },
  );

  const history = opts.history;
  if (!history) return;

  app.get<{ Params: { id: string }; Querystring: Range & { points?: number } }>(
    '/devices/:id/health',
    {
      // The health analytics reported for the device between from and to, as stored (at most a row
      // a minute, one per 15 min while nothing changes), with the one in force at `from` first;
      // with more than `points`, the worst of each slice. The evidence holds the driving metric's
      // baseline (mean, std), smoothed value and threshold.
      config: { roles: ['planner', 'technician'] },
      schema: {
        tags: ['devices'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...rangeProperties, points: { type: 'integer', minimum: 10, maximum: MAX_CHART_POINTS } },
        },
      },
    },
    async (request) => {
      const { from, to } = rangeOf(request);
      return {
        deviceId: request.params.id,
        from,
        to,
        points: history.points(request.params.id, from, to, request.query.points ?? 1000),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: Range & { limit?: number } }>(
    '/devices/:id/events',
    {
      // The device's events between from and to, newest first: health transitions (from, to, the
      // rule), connection changes (online, offline, silent) and sensor faults (one a minute at most).
      config: { roles: ['planner', 'technician'] },
      schema: {
        tags: ['devices'],
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...rangeProperties, limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS } },
        },
      },
    },
    async (request) => {
      const { from, to } = rangeOf(request);
      return {
        deviceId: request.params.id,
        from,
        to,
        events: history.events(request.params.id, from, to, request.query.limit ?? 200),
      };
    },
  );
}
