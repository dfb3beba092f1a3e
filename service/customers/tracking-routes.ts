import type {} from '@fastify/helmet'; // the route's `helmet` option and reply.cspNonce
import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Language } from '../../core/i18n/index.ts';
import type { ServiceRoutesOptions } from '../http/access.ts';
import { customerLanguage } from './customer-language.ts';
import { refusalError } from './tracking.ts';
import { trackingMessagePage, trackingPage } from './tracking-page.ts';

// A token is 32 bytes of HMAC-SHA256 in base64url: 43 characters.
const TokenParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });
const LanguageQuery = Type.Object({
  lang: Type.Optional(Type.String({ maxLength: 16, description: 'id or en; default the contact’s language' })),
});
const Answer = Type.Object(
  {
    confirmation: Type.Union([Type.Literal('done'), Type.Literal('not_fixed')]),
    csat: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'stars; required with done' })),
    nps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

/**
 * Requests per client address per minute on the tracking routes. A page open on a phone asks
 * three times a minute; the limit is for a client walking tokens or hammering one (the tokens
 * have 256 bits: walking them finds nothing, but it should not cost the server either).
 */
export const TRACKING_RATE_PER_MINUTE = 60;

const HTML = 'text/html; charset=utf-8';

/** The customer's tracking page: public, the token is the authorisation; rate-limited per address. */
export async function trackingRoutes(parent: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const tags = ['tracking'];
  // Its own scope: the limiter counts these routes alone.
  await parent.register(async (scope) => {
    await scope.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_request, ctx) =>
        Object.assign(new Error(`too many requests from this address; try again in ${ctx.after}`), {
          statusCode: 429,
          code: 'Too Many Requests',
        }),
    });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const rateLimit = { max: TRACKING_RATE_PER_MINUTE, timeWindow: 60_000 };

    app.get(
      '/track/:token',
      {
        config: { public: true, rateLimit },
        helmet: { enableCSPNonces: true },
        schema: {
          tags,
          summary:
            "A customer's tracking page (their link from a notice): the job's timeline, arrival window, technician's first name, part, warranty; a quote awaiting the customer with Approve / Decline (it posts to /api/track/:token/quote); after resolution the confirmation and rating. A browser (Accept: text/html) gets the page in ?lang=, else the contact's language; 404 unknown, 410 used or expired (in the contact's language)",
          params: TokenParams,
          querystring: LanguageQuery,
        },
      },
      async (request, reply) => {
        const wantsHtml = (request.headers.accept ?? '').includes('text/html');
        const languageFor = (contact: Language | null) =>
          customerLanguage({
            requested: request.query.lang,
            contact,
            acceptLanguage: contact ? undefined : request.headers['accept-language'],
          });
        const opened = service.customers.openTracking(request.params.token);
        if (!opened.ok) {
          const lang = languageFor(opened.status === 410 ? opened.language : null);
          if (!wantsHtml) throw refusalError(opened, lang);
          return reply
            .code(opened.status)
            .type(HTML)
            .send(trackingMessagePage(lang, opened.reason, reply.cspNonce));
        }
        const lang = languageFor(opened.view.contactLanguage);
        reply.header('cache-control', 'no-store');
        if (!wantsHtml) return { tracking: opened.view, language: lang };
        const quote = service.billing.currentQuote(opened.view.workOrderId);
        return reply.type(HTML).send(trackingPage(lang, opened.view, reply.cspNonce, quote));
      },
    );

    app.post(
      '/track/:token',
      {
        config: { public: true, rateLimit },
        schema: {
          tags,
          summary:
            'The customer confirms the work is done (with stars, optional NPS and comment) or says it is not fixed; once per link (410 afterwards), 409 before the job is resolved. A low rating or "not fixed" opens a follow-up task for the planner',
          params: TokenParams,
          body: Answer,
        },
      },
      async (request) => {
        const r = service.customers.answerTracking(request.params.token, request.body);
        return { confirmation: r.link.confirmation, followUp: r.followUp !== null };
      },
    );
  });
}
