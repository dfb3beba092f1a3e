import type { FastifyInstance } from 'fastify';
import { DEVICE_ID_PATTERN, topics } from '../../core/topics.ts';
import type { DeviceCredentials } from '../device-credentials.ts';

export interface ProvisioningOptions {
  credentials: DeviceCredentials;
  /** Puts the devices in the service registry (model, site); throws on an unknown model or site. */
  registerDevices: (devices: { deviceId: string; modelId: string; siteId?: string }[]) => void;
  /** Whether the service domain knows this technician (field-app tokens are only for them). */
  technicianExists: (technicianId: string) => boolean;
  nowMs: () => number;
}

interface DeviceInput {
  id: string;
  modelId: string;
  siteId?: string;
}

const MAX_DEVICES = 10_000;

/**
 * Device provisioning: registers devices and issues each an MQTT token, returned once (only its
 * SHA-256 is kept). Re-provisioning a device rotates its token. CSV (`id,modelId[,siteId]`, header
 * first) is all or nothing: every bad line is reported with its number and no token is issued.
 */
export async function provisioningRoutes(app: FastifyInstance, opts: ProvisioningOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );

    const provision = (devices: DeviceInput[]) => {
      opts.registerDevices(devices.map((d) => ({ deviceId: d.id, modelId: d.modelId, siteId: d.siteId })));
      const tokens = opts.credentials.issueDeviceTokens(
        devices.map((d) => d.id),
        opts.nowMs(),
      );
      return { devices: devices.map((d, i) => ({ id: d.id, username: d.id, token: tokens[i] })) };
    };

    scope.post<{ Body: { devices: DeviceInput[] } }>(
      '/devices/provision',
      {
        config: { roles: ['planner'] },
        schema: {
          tags: ['devices'],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['devices'],
            properties: {
              devices: {
                type: 'array',
                minItems: 1,
                maxItems: MAX_DEVICES,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['id', 'modelId'],
                  properties: {
                    id: { type: 'string', pattern: DEVICE_ID_PATTERN.source },
                    modelId: { type: 'string', minLength: 1, maxLength: 64 },
                    siteId: { type: 'string', minLength: 1, maxLength: 64 },
                  },
                },
              },
            },
          },
        },
      },
      async (request, reply) => {
        try {
          return reply.code(201).send(provision(request.body.devices));
        } catch (err) {
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: (err as Error).message });
        }
      },
    );

    scope.post<{ Body: string }>(
      '/devices/provision.csv',
      {
        config: { roles: ['planner'], accepts: ['text/csv'] },
        schema: { tags: ['devices'], body: { type: 'string', minLength: 1 } },
      },
      async (request, reply) => {
        const lines = request.body.split(/\r?\n/);
        const header = lines[0].split(',').map((h) => h.trim());
        const idCol = header.indexOf('id');
        const modelCol = header.indexOf('modelId');
        const siteCol = header.indexOf('siteId');
        if (idCol < 0 || modelCol < 0) {
          return reply.code(422).send({
            statusCode: 422,
            error: 'Unprocessable Entity',
            message: 'line 1: header must name the columns id and modelId (siteId optional)',
            errors: [{ line: 1, message: 'missing id or modelId column' }],
          });
        }
        const devices: DeviceInput[] = [];
        const errors: { line: number; message: string }[] = [];
        const seen = new Set<string>();
        for (let i = 1; i < lines.length; i++) {
          if (lines[i].trim() === '') continue;
          const f = lines[i].split(',').map((x) => x.trim());
          const id = f[idCol] ?? '';
          const modelId = f[modelCol] ?? '';
          if (!DEVICE_ID_PATTERN.test(id)) errors.push({ line: i + 1, message: `id "${id}" is not a valid device id` });
          else if (seen.has(id)) errors.push({ line: i + 1, message: `id ${id} appears twice` });
          else if (!modelId) errors.push({ line: i + 1, message: 'modelId is empty' });
          else devices.push({ id, modelId, siteId: siteCol >= 0 && f[siteCol] ? f[siteCol] : undefined });
          seen.add(id);
        }
        if (devices.length + errors.length > MAX_DEVICES)
          errors.push({ line: 0, message: `more than ${MAX_DEVICES} devices in one file` });
        if (errors.length > 0 || devices.length === 0) {
          return reply.code(422).send({
            statusCode: 422,
            error: 'Unprocessable Entity',
            message: errors.length ? `${errors.length} bad line(s); nothing provisioned` : 'no devices in the file',
            errors,
          });
        }
        try {
          return reply.code(201).send(provision(devices));
        } catch (err) {
          return reply.code(422).send({
            statusCode: 422,
            error: 'Unprocessable Entity',
            message: `${(err as Error).message}; nothing provisioned`,
            errors: [],
          });
        }
      },
    );

    // A technician's field app listens to purna/v1/technicians/{id}/dispatch; with MQTT auth on it
    // needs a token of its own. Planners issue them; a technician may issue (rotate) only their own.
    scope.post<{ Params: { id: string } }>(
      '/technicians/:id/mqtt-token',
      {
        config: { roles: ['planner', 'technician'] },
        schema: {
          tags: ['technicians'],
          summary: "Issue (or rotate) a technician field app's MQTT token, shown once",
          params: {
            type: 'object',
            properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
            required: ['id'],
          },
        },
      },
      async (request, reply) => {
        const user = (request as unknown as { user?: { role: string; technicianId?: string | null } }).user;
        const id = request.params.id;
        if (user?.role === 'technician' && user.technicianId !== id)
          return reply.code(403).send({
            statusCode: 403,
            error: 'Forbidden',
            message: 'technicians may issue a token only for themselves',
          });
        if (!opts.technicianExists(id))
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no technician ${id}` });
        const { username, token } = opts.credentials.issueTechnicianToken(id, opts.nowMs());
        return reply.code(201).send({
          username,
          token,
          topic: topics.technicianDispatch(id),
          note: 'the token is shown only now; issuing again replaces it',
        });
      },
    );

    scope.delete<{ Params: { id: string } }>(
      '/devices/:id/credentials',
      {
        config: { roles: ['planner'] },
        schema: {
          tags: ['devices'],
          params: {
            type: 'object',
            properties: { id: { type: 'string', pattern: DEVICE_ID_PATTERN.source } },
            required: ['id'],
          },
        },
      },
      async (request, reply) => {
        if (!opts.credentials.revokeDevice(request.params.id))
          return reply
            .code(404)
            .send({ statusCode: 404, error: 'Not Found', message: `device ${request.params.id} has no credentials` });
        return { revoked: request.params.id };
      },
    );
  });
}
