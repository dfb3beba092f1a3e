import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf, FIELD, guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams } from '../http/schemas.ts';
import { CSV_CATALOGUE_COLUMNS, MAX_IMPORT_MODELS } from './import-file.ts';
import { ProductModelBody, ProductModelUpdateBody } from './schema.ts';

const VersionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  version: Type.Integer({ minimum: 1 }),
});

/** An import is a file: JSON or CSV, up to 10 MiB (a thousand models of twenty metrics is about 2 MiB of JSON). */
const IMPORT_BODY_LIMIT = 10 * 1024 * 1024;
const ImportBody = Type.String({
  minLength: 1,
  description: 'The file: JSON (Content-Type: application/json) or CSV (text/csv)',
});

const Problem = Type.Object({
  line: Type.Integer(),
  modelId: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  message: Type.String(),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
});
const ImportReport = Type.Object({
  format: Type.String(),
  models: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  committed: Type.Boolean(),
  errors: Type.Array(Problem),
  warnings: Type.Array(Problem),
});

/**
 * The product catalogue: product models and every version of each. Anyone signed in reads it;
 * planners and admins change it. A body with problems is a 400 naming each (`problems`, by
 * field); a part no depot holds is a warning in the 2xx answer.
 */
export async function catalogueRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const usage = (id: string) => service.catalogue.countDevicesOfModel(id);

  app.get(
    '/catalogue/models',
    {
      ...guard(FIELD),
      schema: {
        tags: ['catalogue'],
        summary: 'Product models, each at its current version, with how many devices are of it',
      },
    },
    async () => {
      const models = service.catalogue.listProductModels();
      return { models, devices: Object.fromEntries(models.map((m) => [m.id, usage(m.id)])) };
    },
  );

  app.get(
    '/catalogue/models/:id',
    {
      ...guard(FIELD),
      schema: { tags: ['catalogue'], summary: 'A product model at its current version', params: IdParams },
    },
    async (request) => ({
      model: service.catalogue.getProductModel(request.params.id),
      devices: usage(request.params.id),
    }),
  );

  app.get(
    '/catalogue/models/:id/versions',
    {
      ...guard(FIELD),
      schema: {
        tags: ['catalogue'],
        summary:
          'Every version of a product model, oldest first, with who saved it and when (a deletion is a version too)',
        params: IdParams,
      },
    },
    async (request) => ({ versions: service.catalogue.productModelHistory(request.params.id) }),
  );

  app.get(
    '/catalogue/models/:id/versions/:version',
    {
      ...guard(FIELD),
      schema: {
        tags: ['catalogue'],
        summary: 'One version of a product model (a work order names the version it was judged by)',
        params: VersionParams,
      },
    },
    async (request) => service.catalogue.productModelVersion(request.params.id, request.params.version),
  );

  app.post(
    '/catalogue/models',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['catalogue'],
        summary: 'Create a product model (version 1); 409 when the id exists',
        body: ProductModelBody,
      },
    },
    async (request, reply) => {
      const saved = service.catalogue.createProductModel(request.body, actorOf(request));
      return reply.code(201).send({ model: saved.model, warnings: saved.warnings });
    },
  );

  app.put(
    '/catalogue/models/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['catalogue'],
        summary:
          'Change a product model: a new version (none when nothing changed); `version` = the one edited, else 409',
        params: IdParams,
        body: ProductModelUpdateBody,
      },
    },
    async (request) => {
      const { version, updatedBy: _by, updatedAt: _at, ...model } = request.body;
      const saved = service.catalogue.updateProductModel(request.params.id, model, actorOf(request), version);
      return { model: saved.model, changed: saved.changed, warnings: saved.warnings };
    },
  );

  app.delete(
    '/catalogue/models/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['catalogue'],
        summary: 'Delete a product model no device uses (409 naming how many do); its versions stay readable',
        params: IdParams,
      },
    },
    async (request) => ({ deleted: service.catalogue.deleteProductModel(request.params.id, actorOf(request)) }),
  );

  // The import reads the file as text whatever its type, so that a problem can name its line.
  await app.register(async (files) => {
    files.removeContentTypeParser(['application/json', 'text/csv']);
    files.addContentTypeParser(
      ['application/json', 'text/csv'],
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    files.withTypeProvider<TypeBoxTypeProvider>().post(
      '/catalogue/import',
      {
        ...guard(MANAGE),
        config: { roles: MANAGE, accepts: ['application/json', 'text/csv'] },
        schema: {
          tags: ['catalogue'],
          summary:
            `Import product models, all or nothing: 200 when saved, 422 with every problem by line when not (nothing saved). ` +
            `JSON: an array of models or {"models": [...]}. CSV: one row per model, metric, failure mode and part, each naming its modelId ` +
            `(columns ${CSV_CATALOGUE_COLUMNS.join(', ')}; see docs). At most ${MAX_IMPORT_MODELS} models.`,
          body: ImportBody,
          response: { 200: ImportReport, 422: ImportReport },
        },
      },
      async (request, reply) => {
        const format = String(request.headers['content-type'] ?? '').startsWith('text/csv') ? 'csv' : 'json';
        const result = service.catalogue.importProductModels(format, request.body, actorOf(request));
        return reply.code(result.committed ? 200 : 422).send(result);
      },
    );
  });
}
