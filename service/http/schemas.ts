// Schema pieces the service routes share. Each route declares its params, querystring and body
// once, with TypeBox; fastify validates with them, the type provider derives the handler's
// types from them and @fastify/swagger publishes them.

import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { CSV_COLUMNS, type ImportKind, type ImportResult } from '../csv-import.ts';

/** One of a list of strings: `{ type: 'string', enum }` as written by hand, typed as the union. */
export const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/** An integer or null, as one JSON schema type list (an anyOf would let ajv's coercion turn null into 0). */
export const IntegerOrNull = (min = 0) => Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: min });
export const StringOrNull = (maxLength: number) => Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength });

export const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });
export const Lat = Type.Number({ minimum: -90, maximum: 90 });
export const Lon = Type.Number({ minimum: -180, maximum: 180 });
export const Ms = Type.Integer({ minimum: 0 });
export const Note = Type.String({ maxLength: 2000 });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const CsvBody = Type.String({
  minLength: 1,
  description: 'CSV file, header line first (Content-Type: text/csv)',
});

const ImportResultSchema = Type.Object({
  kind: Type.String(),
  rows: Type.Integer(),
  imported: Type.Integer(),
  committed: Type.Boolean(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
});
/** Both answers of a CSV import carry the per-row report. */
export const importResponses = { 200: ImportResultSchema, 422: ImportResultSchema };

/** 422: the file was well-formed as a request but its rows were not; nothing was written. */
export function sendImport(reply: FastifyReply, result: ImportResult) {
  return reply.code(result.committed ? 200 : 422).send(result);
}

/** The CSV columns of an import, for its summary line. */
export function csvColumns(kind: ImportKind): string {
  const c = CSV_COLUMNS[kind];
  return `Columns: ${c.required.join(', ')} [, ${c.optional.join(', ')}]`;
}
