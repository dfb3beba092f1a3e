import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADMIN, guardFor, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, OneOf, Text } from '../http/schemas.ts';

const WebhookBody = Type.Object(
  {
    url: Type.String({ format: 'uri', maxLength: 2000 }),
    secret: Type.String({ minLength: 16, maxLength: 200 }),
    events: Type.Optional(Type.Array(Text(64))),
  },
  { additionalProperties: false },
);
const DeliveriesQuery = Type.Object(
  {
    state: Type.Optional(OneOf(['pending', 'delivered', 'dead'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** CRM/ERP webhooks and the delivery log of every notification (webhooks and MQTT); admin only. */
export async function notificationRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['webhooks'];

  app.get(
    '/webhooks',
    { ...guard(ADMIN), schema: { tags, summary: 'Configured CRM/ERP webhooks (secrets are never returned)' } },
    async () => ({ webhooks: service.notifications.listWebhooks() }),
  );
  app.post(
    '/webhooks',
    {
      ...guard(ADMIN),
      schema: {
        tags,
        summary:
          'Add a webhook: events are POSTed as JSON with X-Purna-Signature: sha256=HMAC(secret, timestamp + "." + body). Internal addresses (loopback, private, link-local, metadata …) are refused unless PURNA_WEBHOOK_ALLOW_HOSTS names them',
        body: WebhookBody,
      },
    },
    async (request, reply) => reply.code(201).send({ webhook: await service.notifications.addWebhook(request.body) }),
  ); // internal addresses: 400 (issue 13)
  app.delete(
    '/webhooks/:id',
    {
      ...guard(ADMIN),
      schema: { tags, summary: 'Deactivate a webhook (its delivery log stays)', params: IdParams },
    },
    async (request, reply) => {
      service.notifications.removeWebhook(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/deliveries',
    {
      ...guard(ADMIN),
      schema: {
        tags,
        summary: 'The notification delivery log (webhooks and MQTT), newest first',
        querystring: DeliveriesQuery,
      },
    },
    async (request) => ({ deliveries: service.notifications.listDeliveries(request.query) }),
  );
  app.get(
    '/deliveries/:id/attempts',
    {
      ...guard(ADMIN),
      schema: { tags, summary: 'Every attempt of one delivery', params: DeliveryParams },
    },
    async (request) => ({ attempts: service.notifications.deliveryAttempts(request.params.id) }),
  );
  app.post(
    '/deliveries/:id/retry',
    {
      ...guard(ADMIN),
      schema: { tags, summary: 'Retry a pending delivery now instead of at its backoff time', params: DeliveryParams },
    },
    async (request, reply) => {
      service.notifications.retryDelivery(request.params.id);
      return reply.code(202).send({ ok: true });
    },
  );
}
