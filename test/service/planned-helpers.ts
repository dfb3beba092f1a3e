// A service domain on a real SQLite file with its routes on a real HTTP server (a free port),
// for the planned-work suites (issue 19): the small network of helpers.ts, a clock the test moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ManualClock } from '../../core/clock.ts';
import { apiErrorHandler } from '../../core/http-errors.ts';
import type { EventBus } from '../../core/event-bus.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import type { ServiceDomain, ServiceOptions } from '../../service/index.ts';
import { makeService, seedSmallNetwork } from './helpers.ts';

export interface PlannedServer {
  service: ServiceDomain;
  bus: EventBus;
  clock: ManualClock;
  app: FastifyInstance;
  /** Calls the API over HTTP; the JSON answer and status. */
  api(path: string, opts?: { method?: string; body?: unknown }): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startPlannedServer(opts: Partial<ServiceOptions> = {}): Promise<PlannedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-planned-'));
  const ctx = makeService({ dbPath: join(dir, 'service.db'), ...opts });
  seedSmallNetwork(ctx.service);
  const app = Fastify({ ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } } });
  app.setErrorHandler(apiErrorHandler);
  await app.register(async (api) => serviceRoutes(api, { service: ctx.service }), { prefix: '/api' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    ...ctx,
    app,
    async api(path, o = {}) {
      const res = await fetch(`${url}/api/${path}`, {
        method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
        headers: o.body === undefined ? {} : { 'content-type': 'application/json' },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      return { status: res.status, json: await res.json() };
    },
    async close() {
      await app.close();
      ctx.service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
