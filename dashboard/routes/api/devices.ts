import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../../core/http-errors.ts';
import { DEVICE_ID_PATTERN } from '../../../core/topics.ts';
import type { TelemetryStore } from '../../../store/telemetry-store.ts';
import type { FleetView } from '../../fleet-view.ts';

export interface DeviceRoutesOptions {
  fleet: FleetView;
  store: TelemetryStore;
  nowMs: () => number;
  technicianSeesDevice: (technicianId: string, deviceId: string) => boolean;
}

const MAX_POINTS = 10_000;
const DEFAULT_WINDOW_MS = 3600_000;

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

/** GET /api/devices and /api/devices/:id/telemetry (read back from the telemetry store). */
export async function deviceRoutes(app: FastifyInstance, opts: DeviceRoutesOptions): Promise<void> {
  app.get('/devices', {
    // Every known device with its latest values, health and connection status.
    config: { roles: ['planner'] },
    schema: { tags: ['devices'] },
  }, async () => ({ devices: opts.fleet.list() }));

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; limit?: number } }>(
    '/devices/:id/telemetry',
    {
      // A device's stored telemetry between from and to (epoch ms or ISO 8601; default: the last hour).
      // Technicians see the devices of their own work orders only.
      config: { roles: ['planner', 'technician'] },
      schema: {
        tags: ['devices'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: DEVICE_ID_PATTERN.source } }, required: ['id'] },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: timeParam, to: timeParam, limit: { type: 'integer', minimum: 1, maximum: MAX_POINTS } },
        },
      },
    },
    async (request) => {
      const user = request.user!;
      if (user.role === 'technician' && !(user.technicianId && opts.technicianSeesDevice(user.technicianId, request.params.id))) {
        throw new HttpError(403, 'not a device of your work orders');
      }
      const now = opts.nowMs();
      const to = toMs(request.query.to, now);
      const from = toMs(request.query.from, to - DEFAULT_WINDOW_MS);
      if (from > to) throw new HttpError(400, 'from must not be after to');
      const limit = request.query.limit ?? MAX_POINTS;
      const points = await opts.store.query(request.params.id, from, to, limit);
      return { deviceId: request.params.id, from, to, points: points.map((p) => ({ tsMs: p.tsMs, values: p.values })) };
    },
  );
}
