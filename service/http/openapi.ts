import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ERROR_BODY_SCHEMA } from '../../core/http-errors.ts';

/**
 * The OpenAPI document of every route (the dashboard's and the service domain's), with Swagger
 * UI at /docs and the JSON at /docs/json. @fastify/swagger collects routes through an onRoute
 * hook, so this must be registered on the root instance BEFORE any route plugin — which is why
 * it is a function the dashboard server calls, not something serviceRoutes registers itself
 * (inside the /api scope it would see only the service routes).
 */
export async function registerOpenApi(app: FastifyInstance, info: { version?: string } = {}): Promise<void> {
  await app.register(swagger, {
    // Every route answers its client errors in one shape (core/http-errors.ts): documented once
    // here rather than in each route, where a response schema would also narrow the handler's type.
    transform: ({ schema, url }) => {
      const response: Record<string, unknown> = { ...(schema?.response as Record<string, unknown> | undefined) };
      if (!Object.keys(response).some((code) => code.startsWith('2')))
        response['2XX'] = { description: 'Default Response' };
      return { schema: { ...schema, response: { '4XX': ERROR_BODY_SCHEMA, ...response } }, url };
    },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Purna API',
        description:
          'Predictive after-sales service: devices, telemetry, work orders, technicians, spare parts, SLAs, webhooks, surveys and KPIs. ' +
          'Errors are JSON {statusCode, error, message}: 400 invalid input, 403 not your work order, 404 unknown id, ' +
          '409 invalid lifecycle step or stale version, 410 used survey link, 422 CSV rows rejected (nothing imported). ' +
          'A body with several problems (a product model) lists each in `problems` [{field, message}].',
        version: info.version ?? '0.1.0',
      },
      tags: [
        { name: 'devices' },
        { name: 'work orders' },
        { name: 'technicians' },
        { name: 'inventory' },
        { name: 'network' },
        { name: 'customers' },
        { name: 'webhooks' },
        { name: 'surveys' },
        { name: 'kpis' },
        { name: 'catalogue' },
      ],
    },
  });
  // The docs describe the API, they hold no data: public (the config the dashboard's default-deny hook reads).
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
}
