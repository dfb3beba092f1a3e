import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance } from 'fastify';
import { billingRoutes } from '../billing/routes.ts';
import { quoteTrackingRoutes } from '../billing/tracking-routes.ts';
import { catalogueRoutes } from '../catalogue/routes.ts';
import { contactRoutes } from '../customers/contact-routes.ts';
import { feedbackRoutes } from '../customers/feedback-routes.ts';
import { inboundRoutes } from '../customers/inbound-routes.ts';
import { customerRoutes } from '../customers/routes.ts';
import { surveyRoutes } from '../customers/survey-routes.ts';
import { trackingRoutes } from '../customers/tracking-routes.ts';
import { installationRoutes } from '../installation/routes.ts';
import { kpiRoutes } from '../kpis/routes.ts';
import { maintenanceRoutes } from '../maintenance/routes.ts';
import { warrantyRoutes } from '../warranty/routes.ts';
import { networkRoutes } from '../network/routes.ts';
import { notificationRoutes } from '../notifications/routes.ts';
import { fieldWorkRoutes } from '../work-orders/field-routes.ts';
import { workOrderRoutes } from '../work-orders/routes.ts';
import type { ServiceRoutesOptions } from './access.ts';
import { CsvBody } from './schemas.ts';

export type { RequestUser, ServiceRole, ServiceRoutesOptions } from './access.ts';

/** CSV imports are capped at 10 MiB: a fleet of 100,000 devices is a few MiB. */
const CSV_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * The service domain's REST routes, one file per room; the dashboard calls this inside its
 * '/api' prefix. Errors are thrown (ServiceError, schema validation) and answered by the one
 * error handler of the whole API (core/http-errors.ts, set by the dashboard server).
 */
export async function serviceRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  await app.register(async (scope) => {
    // CSV imports post the file as text/csv; only this scope parses it, and a route whose body is
    // a CSV file says so in its config (the dashboard answers any undeclared body type with 415).
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.addHook('onRoute', (route) => {
      if (route.schema?.body === CsvBody) route.config = { ...route.config, accepts: ['text/csv'] };
    });
    await workOrderRoutes(scope, opts);
    await fieldWorkRoutes(scope, opts);
    await customerRoutes(scope, opts);
    await contactRoutes(scope, opts);
    await networkRoutes(scope, opts);
    await notificationRoutes(scope, opts);
    await surveyRoutes(scope, opts);
    await trackingRoutes(scope, opts);
    await feedbackRoutes(scope, opts);
    await inboundRoutes(scope, opts);
    await kpiRoutes(scope, opts);
    await installationRoutes(scope, opts);
    await maintenanceRoutes(scope, opts);
    await billingRoutes(scope, opts);
    await quoteTrackingRoutes(scope, opts);
    await warrantyRoutes(scope, opts);
    await catalogueRoutes(scope, opts);
  });
}
