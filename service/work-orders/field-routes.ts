import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf, assertOwnJob, FIELD, guardFor, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams, OneOf, Text } from '../http/schemas.ts';
import { requireFound } from '../types.ts';
import { ATTACHMENT_KINDS, ATTACHMENT_MAX_BYTES, IMAGE_TYPES } from './field-work.ts';

const PartUsedBody = Type.Object(
  {
    sku: Text(64),
    quantity: Type.Integer({ minimum: 1, maximum: 100, description: 'units fitted' }),
    depotId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "where they came from (a depot, or a technician's van kept as one); default the job's reservation of that part, else the technician's depot",
      }),
    ),
  },
  { additionalProperties: false },
);

const AttachmentQuery = Type.Object(
  {
    kind: OneOf(ATTACHMENT_KINDS),
    signedBy: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "with kind signature: the customer's name" }),
    ),
  },
  { additionalProperties: false },
);

const AttachmentParams = Type.Object(
  { id: Text(64), attachmentId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/**
 * What the technician records on site (field-work.ts): parts used, the photo and the customer's
 * signature, and the customer's link after the repair. Everything on one job: a technician on
 * their own only (403 for another's), planners and admins on any.
 */
export async function fieldWorkRoutes(parent: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['work orders'];
  const ownJob = (request: Parameters<typeof assertOwnJob>[0], id: string) => {
    const wo = requireFound(service.workOrders.getWorkOrder(id), 'work order', id);
    assertOwnJob(request, wo.technicianId ?? null);
    return wo;
  };

  await parent.register(async (scope) => {
    // An image is posted as it is (a JPEG from the camera, a PNG from the signature pad), not
    // wrapped in JSON or a form: only this scope parses image bodies, up to the attachment cap (413 over it).
    scope.addContentTypeParser(
      Object.keys(IMAGE_TYPES),
      { parseAs: 'buffer', bodyLimit: ATTACHMENT_MAX_BYTES },
      (_request, body, done) => done(null, body),
    );
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/work-orders/:id/parts-used',
      {
        ...guard(FIELD),
        schema: {
          tags,
          summary:
            "Record parts fitted on site: they leave the job's reservation first, the rest the free stock of depotId (409 when fewer are free, or unless on site)",
          params: IdParams,
          body: PartUsedBody,
        },
      },
      async (request) => {
        const wo = ownJob(request, request.params.id);
        return { workOrder: service.workOrders.usePart(wo.id, request.body, actorOf(request)) };
      },
    );

    app.get(
      '/work-orders/:id/attachments',
      {
        ...guard(FIELD),
        schema: { tags, summary: "The job's photos and signature (without their bytes)", params: IdParams },
      },
      async (request) => {
        const wo = ownJob(request, request.params.id);
        return { attachments: service.workOrders.attachments(wo.id) };
      },
    );

    app.post(
      '/work-orders/:id/attachments',
      {
        ...guard(FIELD),
        config: { accepts: Object.keys(IMAGE_TYPES) },
        schema: {
          tags,
          summary: `Keep a photo or the customer's signature with the job: the image as the body (${Object.keys(IMAGE_TYPES).join(', ')}; at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB, 413 over it), on site or once resolved`,
          params: IdParams,
          querystring: AttachmentQuery,
        },
      },
      async (request, reply) => {
        const wo = ownJob(request, request.params.id);
        const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const kept = service.workOrders.addAttachment(
          wo.id,
          {
            kind: request.query.kind,
            contentType,
            bytes: request.body as Buffer,
            signedBy: request.query.signedBy,
          },
          actorOf(request),
        );
        // The job's new version with it: the technician's next step follows on from it.
        return reply.code(201).send(kept);
      },
    );

    app.get(
      '/work-orders/:id/attachments/:attachmentId',
      {
        ...guard(FIELD),
        schema: { tags, summary: 'One photo or signature, as the image it is', params: AttachmentParams },
      },
      async (request, reply) => {
        const wo = ownJob(request, request.params.id);
        const file = service.workOrders.attachmentFile(wo.id, request.params.attachmentId);
        return reply
          .header('content-type', file.contentType)
          .header('cache-control', 'private, no-store')
          .header('content-disposition', `inline; filename="${wo.id}-${file.kind}-${file.id}"`)
          .send(file.bytes);
      },
    );

    app.post(
      '/work-orders/:id/customer-link',
      {
        ...guard(FIELD),
        schema: {
          tags,
          summary:
            "After the repair: the site contact's tracking link for the job (where they confirm the fix and rate the visit), to hand over on site; 409 unless resolved",
          params: IdParams,
        },
      },
      async (request) => {
        const wo = ownJob(request, request.params.id);
        return service.workOrders.customerLink(wo.id);
      },
    );
  });
}
