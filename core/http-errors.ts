// The API's one error shape and the one handler that answers with it (STYLE 7): every route of
// every part throws; nobody writes an error reply by hand.

import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** One of several things wrong with a request body, by its field (e.g. `metrics[2].unit`); a `code` and its `params` when the client may say it in its own words. */
export interface Problem {
  field: string;
  code?: string;
  message: string;
  params?: Record<string, string | number>;
}

/**
 * What every failed API request answers: the status, its reason phrase, and what was wrong (naming
 * the field); where a body has several problems at once, each of them too.
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  problems?: Problem[];
}

/** ErrorBody as JSON schema, for the API's documentation of every route's 4xx answers. */
export const ERROR_BODY_SCHEMA = {
  description: 'A client error: the status, its reason phrase, and what was wrong (naming the field)',
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
          params: { type: 'object' },
        },
      },
    },
  },
} as const;

/** An error a route throws on purpose: its status and message reach the client as they are. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly problems?: Problem[];
  constructor(statusCode: number, message: string, problems?: Problem[]) {
    super(message);
    this.statusCode = statusCode;
    if (problems) this.problems = problems;
  }
}

/**
 * Client errors (4xx: a thrown HttpError, fastify's schema validation naming the field, a bad
 * content type …) and an HttpError of any status (a 503 "try again") keep their status and
 * message, with the status's reason phrase as `error`; anything else is logged with the request
 * and answered with a generic 500.
 */
export function apiErrorHandler(
  error: FastifyError | HttpError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status < 500 || error instanceof HttpError) {
    const unknown = unknownField(error);
    const body: ErrorBody = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: unknown ? unknown.message : error.message,
    };
    if (unknown) body.problems = [unknown];
    if (error instanceof HttpError && error.problems) body.problems = error.problems;
    return reply.code(status).send(body);
  }
  request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
  const body: ErrorBody = { statusCode: 500, error: 'Internal Server Error', message: 'internal error' };
  return reply.code(500).send(body);
}

/**
 * A body or query with a property its schema does not have: ajv's message says only where
 * ("body must NOT have additional properties"), its `additionalProperty` param says which, and
 * a client must be told which (a typo, a field of another route). `colour`, `metrics[0].colour`
 * in a body; `querystring.colour`, `params.x` elsewhere.
 */
function unknownField(error: FastifyError | HttpError): Problem | null {
  const v = 'validation' in error ? error.validation?.[0] : undefined;
  if (v?.keyword !== 'additionalProperties') return null;
  const name = (v.params as { additionalProperty?: unknown }).additionalProperty;
  if (typeof name !== 'string') return null;
  const context = (error as FastifyError).validationContext ?? 'body';
  const path = v.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
  const field = `${context === 'body' ? '' : `${context}.`}${path ? `${path}.` : ''}${name}`.replace(/\.\[/g, '[');
  return {
    field,
    code: 'unknownField',
    message: `${field}: no such field here (${context}${v.instancePath} must NOT have additional properties)`,
    params: { name },
  };
}
