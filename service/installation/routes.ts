import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, Note, OneOf, Text } from '../http/schemas.ts';
import { CONTRACT_TIERS } from '../types.ts';

const InstallBody = Type.Object(
  {
    modelId: Text(64),
    siteId: Text(64),
    serial: Type.Optional(Text(64)),
    contractTier: Type.Optional(OneOf(CONTRACT_TIERS)),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);

/** /devices/:id/install and /devices/:id/installation. */
export async function installationRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['installation'];

  app.post(
    '/devices/:id/install',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary:
          'Install a device at a site: it is registered (no warranty yet) and its commissioning job opens; the warranty starts when that job resolves',
        params: IdParams,
        body: InstallBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(service.installation.install(request.params.id, request.body, actorOf(request))),
  );

  app.get(
    '/devices/:id/installation',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "A device's installation: its commissioning job, when it was commissioned, the acceptance readings",
        params: IdParams,
      },
    },
    async (request) => ({ installation: service.installation.installationOf(request.params.id) }),
  );
}
