import type {} from '@fastify/helmet'; // the route's `helmet` option and reply.cspNonce
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { t, type Language } from '../../core/i18n/index.ts';
import { guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { IdParams } from '../http/schemas.ts';
import { requireFound, ServiceError } from '../types.ts';
import { customerLanguage } from './customer-language.ts';
import { surveyFormPage, surveyMessagePage } from './survey-page.ts';

const TokenParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}$' }) });
const Answer = Type.Object(
  {
    csat: Type.Integer({ minimum: 1, maximum: 5 }),
    nps: Type.Integer({ minimum: 0, maximum: 10 }),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

// Not an enum: a language Purna does not speak is passed over, not refused (the customer still gets the page).
const LanguageQuery = Type.Object({
  lang: Type.Optional(
    Type.String({ maxLength: 16, description: 'id or en: the language of the page and the questions' }),
  ),
});

const questions = (lang: Language) => ({
  csat: t(lang, 'survey.question.csat'),
  nps: t(lang, 'survey.question.nps'),
  comment: t(lang, 'survey.question.comment'),
});
const HTML = 'text/html; charset=utf-8';

/** Customer surveys: the planner's view of a job's survey, and the customer's one-time link. */
export async function surveyRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['surveys'];

  app.get(
    '/work-orders/:id/survey',
    {
      ...guard(MANAGE),
      schema: { tags, summary: 'The customer survey of a work order (answers, or pending)', params: IdParams },
    },
    async (request) => ({
      survey: requireFound(service.customers.surveyOf(request.params.id), 'survey of work order', request.params.id),
    }),
  );
  app.post(
    '/work-orders/:id/survey',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Issue a fresh one-time survey link (the previous unanswered link stops working)',
        params: IdParams,
      },
    },
    async (request, reply) => reply.code(201).send(service.customers.issueSurvey(request.params.id)),
  );

  // Public: the customer follows the one-time link; the token is the authorisation.
  app.get(
    '/surveys/:token',
    {
      config: { public: true },
      // The form page has inline script and style: the dashboard's CSP lets them in by nonce.
      helmet: { enableCSPNonces: true },
      schema: {
        tags,
        summary:
          "Open a survey link (404 unknown, 410 used or expired); a browser (Accept: text/html) gets the form page, in ?lang=, else the contact's language, else Accept-Language, else Indonesian",
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
          acceptLanguage: request.headers['accept-language'],
        });
      if (!wantsHtml) {
        const opened = service.customers.openSurvey(request.params.token);
        const language = languageFor(opened.workOrder.contactLanguage);
        return { ...opened, language, questions: questions(language) };
      }
      try {
        const { workOrder } = service.customers.openSurvey(request.params.token);
        return reply.type(HTML).send(surveyFormPage(languageFor(workOrder.contactLanguage), workOrder, reply.cspNonce));
      } catch (err) {
        // A person at a browser gets a page, not JSON; the status stays the API's.
        if (!(err instanceof ServiceError)) throw err;
        return reply
          .code(err.statusCode)
          .type(HTML)
          .send(surveyMessagePage(languageFor(null), err.statusCode, reply.cspNonce));
      }
    },
  );
  app.post(
    '/surveys/:token',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Answer a survey; the link works once (410 afterwards)',
        params: TokenParams,
        body: Answer,
      },
    },
    async (request) => ({ survey: service.customers.answerSurvey(request.params.token, request.body) }),
  );
}
