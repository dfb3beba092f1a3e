// The customer's tracking page over HTTP, its link taken from the notice e-mail a real SMTP server
// (aiosmtpd on loopback) received: the timeline as the technician moves the job, the arrival
// window on the site's clock, nothing of other jobs, the confirmation and rating once, a low rating
// opening the planner's follow-up, a used or expired link a 410 in the contact's language, the
// rate limit.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerOpenApi } from '../../service/http/openapi.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { EmailChannel } from '../../service/notifications/channels.ts';
import { TRACKING_TTL_AFTER_CLOSE_MS } from '../../service/customers/tracking-links.ts';
import { TRACKING_RATE_PER_MINUTE } from '../../service/customers/tracking-routes.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { dispatchRequest, HOUR, makeService, seedSmallNetwork } from './helpers.ts';

let smtp: SmtpSink;
let app: FastifyInstance | null = null;
let service: ServiceDomain | null = null;
beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.stop();
});
afterEach(async () => {
  await app?.close();
  service?.stop();
  app = null;
  service = null;
});

let run = 0;
async function build() {
  const tag = `${++run}-${randomBytes(3).toString('hex')}`;
  const email = new EmailChannel({
    host: '127.0.0.1',
    port: smtp.port,
    tls: 'none',
    user: '',
    password: '',
    from: 'Purna Service <service@purna.test>',
  });
  const ctx = makeService({
    notifier: { pollIntervalMs: 0, channels: { email } },
    linkKey: randomBytes(32),
    trackingBaseUrl: () => 'https://service.purna.test/api/track/',
  });
  service = ctx.service;
  seedSmallNetwork(service);
  const addr = { id: `dewi-${tag}@tirta.test`, en: `mark-${tag}@tirta.test` };
  service.customers.saveContact('K-ID', { customerId: 'C1', siteId: 'S-JKT', name: 'Dewi Lestari', email: addr.id });
  service.customers.saveContact('K-EN', { customerId: 'C1', name: 'Mark Thompson', email: addr.en, language: 'en' });
  app = Fastify({ ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } } });
  await registerOpenApi(app);
  const s = ctx.service;
  await app.register(async (api) => serviceRoutes(api, { service: s }), { prefix: '/api' });
  await app.ready();
  /** The path of the tracking link in the newest e-mail to `address`. */
  const linkOf = async (address: string) => {
    await s.stores.notifier.processDue();
    const mail = (await smtp.messages()).filter((m) => m.envelope.to.includes(address)).at(-1)!.mail;
    return new URL(/https:\/\/service\.purna\.test\/api\/track\/[A-Za-z0-9_-]{43}/.exec(mail.text!)![0]).pathname;
  };
  return { ...ctx, app, addr, linkOf };
}

const html = { accept: 'text/html' };

describe('tracking page', () => {
  it('walks the timeline with the job, then takes the confirmation and rating once; a low one opens a follow-up', async () => {
    const { app, service, clock, addr, linkOf } = await build();
    const other = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1', 'cooling_failure')).order;
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(wo.state).toBe('assigned');
    const path = await linkOf(addr.id);
    const enPath = await linkOf(addr.en);
    expect(enPath).not.toBe(path);

    const view = async () => (await app.inject({ url: path })).json().tracking;
    let v = await view();
    expect(v.step).toBe('planned');
    expect(v.facts.technicianFirstName).toBe('Budi');
    expect(v.facts.timeZone).toBe('Asia/Jakarta');
    expect(v.timeline.map((s: { step: string }) => s.step)).toEqual([
      'reported',
      'planned',
      'en_route',
      'on_site',
      'resolved',
    ]);
    const fromMs = Math.floor((wo.plan!.plannedAtMs + wo.plannedLeadTimeMs!) / 1_800_000) * 1_800_000;
    expect(v.facts.arrival).toEqual({ fromMs, toMs: fromMs + 2 * HOUR });

    let page = await app.inject({ url: path, headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<html lang="id">');
    expect(page.body).toContain('aria-current="step">Kunjungan dijadwalkan');
    const hhmm = (ms: number) => new Date(ms + 7 * HOUR).toISOString().slice(11, 16).replace(':', '.');
    expect(page.body).toContain(`${hhmm(fromMs)}–${hhmm(fromMs + 2 * HOUR)} WIB`);
    expect(page.body).toContain('Budi');
    expect(page.body).not.toContain('Santoso'); // the first name only
    expect(page.body).toContain('ditanggung garansi');
    // Nothing about the customer's other job (another site, another device).
    expect(page.body).not.toContain(other.id);
    expect(page.body).not.toContain('pump-bdg-1');
    expect(page.body).not.toContain('id="answer"'); // no answer form before the visit

    let version = service.workOrders.transition(wo.id, { to: 'acknowledged', actor: 'technician:T-JKT-1' }).version;
    expect((await view()).step).toBe('planned');
    clock.advance(10 * 60_000);
    version = service.workOrders.transition(wo.id, { to: 'en_route', actor: 'technician:T-JKT-1', version }).version;
    v = await view();
    expect(v.step).toBe('en_route');
    expect(v.timeline[2].atMs).toBe(clock.nowMs());
    // The window the "on the way" e-mail gave stays put while the page is reloaded later.
    const enRouteWindow = v.facts.arrival;
    expect(enRouteWindow.toMs - enRouteWindow.fromMs).toBe(HOUR);
    clock.advance(20 * 60_000);
    expect((await view()).facts.arrival).toEqual(enRouteWindow);
    clock.advance(20 * 60_000);
    version = service.workOrders.transition(wo.id, { to: 'on_site', actor: 'technician:T-JKT-1', version }).version;
    expect((await view()).step).toBe('on_site');
    const early = await app.inject({ method: 'POST', url: path, payload: { confirmation: 'done', csat: 5 } });
    expect(early.statusCode).toBe(409);

    clock.advance(HOUR);
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      actor: 'technician:T-JKT-1',
      version,
      resolutionCode: 'fault_confirmed_part_replaced',
    });
    v = await view();
    expect(v.step).toBe('resolved');
    expect(v.canAnswer).toBe(true);
    page = await app.inject({ url: path, headers: html });
    expect(page.body).toContain('Apakah pekerjaan sudah selesai?');
    expect(page.body).toContain('name="csat"');

    const noStars = await app.inject({ method: 'POST', url: path, payload: { confirmation: 'done' } });
    expect(noStars.statusCode).toBe(400);
    expect(noStars.json().message).toMatch(/^csat: /);
    const answer = await app.inject({
      method: 'POST',
      url: path,
      payload: { confirmation: 'done', csat: 2, nps: 4, comment: 'Teknisi datang terlambat dua jam.' },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ confirmation: 'done', followUp: true });

    // The planner's follow-up, with the comment; the rating is the job's survey answer and on its history.
    const open = (await app.inject('/api/follow-ups?open=true')).json().followUps;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      reason: 'low_rating',
      workOrderId: wo.id,
      customerId: 'C1',
      contactId: 'K-ID',
      contactName: 'Dewi Lestari',
      csat: 2,
      nps: 4,
      comment: 'Teknisi datang terlambat dua jam.',
      doneAtMs: null,
    });
    expect(service.customers.surveyOf(wo.id)).toMatchObject({
      csat: 2,
      nps: 4,
      comment: 'Teknisi datang terlambat dua jam.',
    });
    expect(service.workOrders.workOrderHistory(wo.id).at(-1)!.note).toBe(
      'Dewi Lestari confirmed the work is done, 2/5 stars, NPS 4: “Teknisi datang terlambat dua jam.”',
    );

    // Used: a polite 410 in the contact's language, to a browser and to a tool.
    const again = await app.inject({ method: 'POST', url: path, payload: { confirmation: 'done', csat: 5 } });
    expect(again.statusCode).toBe(410);
    expect(again.json().message).toMatch(/^Terima kasih — kunjungan ini sudah dikonfirmasi/);
    const gone = await app.inject({ url: path, headers: html });
    expect(gone.statusCode).toBe(410);
    expect(gone.body).toContain('<html lang="id">');
    expect(gone.body).toContain('Terima kasih — kunjungan ini sudah dikonfirmasi');

    // The English contact's own link is in English and still open; a good rating opens nothing.
    const enPage = await app.inject({ url: enPath, headers: { ...html, 'accept-language': 'id-ID' } });
    expect(enPage.body).toContain('<html lang="en">');
    expect(enPage.body).toContain('Is the work done?');
    const enAnswer = await app.inject({ method: 'POST', url: enPath, payload: { confirmation: 'done', csat: 5 } });
    expect(enAnswer.json()).toEqual({ confirmation: 'done', followUp: false });
    const feedback = (await app.inject(`/api/work-orders/${wo.id}/feedback`)).json();
    expect(feedback.answers.map((a: { contactId: string; csat: number }) => `${a.contactId}:${a.csat}`).sort()).toEqual(
      ['K-EN:5', 'K-ID:2'],
    );
    expect(feedback.survey.csat).toBe(2); // the first answer is the job's survey
    expect(feedback.followUps).toHaveLength(1);
    // The KPI page's row for the technician: the job, its fix held, the customer's stars (the survey's).
    const kpis = service.kpis.kpis(clock.nowMs() - 24 * HOUR, clock.nowMs() + 1);
    expect(kpis.byTechnician).toEqual([
      {
        technicianId: 'T-JKT-1',
        name: 'Budi Santoso',
        resolved: 1,
        firstTimeFixRatePct: 100,
        csatAverage: 2,
        ratings: 1,
      },
    ]);
    expect(kpis.csatAverage).toBe(2);
    expect(kpis.nps).toBe(-100); // one answer, a detractor (4)

    const closed = await app.inject({
      method: 'POST',
      url: `/api/follow-ups/${open[0].id}/done`,
      payload: { note: 'Called Dewi, apologised for the delay.' },
    });
    expect(closed.json().followUp).toMatchObject({ doneBy: 'api', doneNote: 'Called Dewi, apologised for the delay.' });
    expect((await app.inject('/api/follow-ups?open=true')).json().followUps).toHaveLength(0);
    expect(
      (await app.inject({ method: 'POST', url: `/api/follow-ups/${open[0].id}/done`, payload: {} })).statusCode,
    ).toBe(409);
  });

  it('"not fixed" opens a follow-up without stars', async () => {
    const { app, service, addr, linkOf } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    let version = wo.version;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      version = service.workOrders.transition(wo.id, { to, actor: 'technician:T-JKT-1', version }).version;
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      actor: 'technician:T-JKT-1',
      version,
      resolutionCode: 'no_fault_found',
    });
    const r = await app.inject({
      method: 'POST',
      url: await linkOf(addr.en),
      payload: { confirmation: 'not_fixed', comment: 'Still rattling' },
    });
    expect(r.json()).toEqual({ confirmation: 'not_fixed', followUp: true });
    expect(service.customers.listFollowUps({ open: true })).toMatchObject([
      { reason: 'not_fixed', comment: 'Still rattling', csat: null },
    ]);
    expect(service.customers.surveyOf(wo.id)?.answeredAtMs).toBeNull(); // no stars: the survey stays open
  });

  it("expires a week after the job closed: 410 in the contact's language", async () => {
    const { app, service, clock, addr, linkOf } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const idPath = await linkOf(addr.id);
    const enPath = await linkOf(addr.en);
    service.workOrders.transition(wo.id, {
      to: 'cancelled',
      actor: 'planner:p',
      version: wo.version,
      note: 'customer asked',
    });
    expect((await app.inject({ url: enPath })).json().tracking.timeline.at(-1).step).toBe('cancelled');
    clock.advance(TRACKING_TTL_AFTER_CLOSE_MS + 1);
    const en = await app.inject({ url: enPath, headers: html });
    expect(en.statusCode).toBe(410);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('We are sorry — this link has expired');
    const id = await app.inject({ url: idPath });
    expect(id.statusCode).toBe(410);
    expect(id.json().message).toMatch(/^Mohon maaf — tautan ini sudah kedaluwarsa/);
    // A token nobody was given: 404, in the browser's language (no contact to ask).
    const unknown = await app.inject({
      url: `/api/track/${'A'.repeat(43)}`,
      headers: { ...html, 'accept-language': 'en-GB' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('This tracking link is not valid.');
  });

  it('a low survey score (NPS detractor) opens a follow-up too', async () => {
    const { service } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    let version = wo.version;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      version = service.workOrders.transition(wo.id, { to, actor: 'technician:T-JKT-1', version }).version;
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      actor: 'technician:T-JKT-1',
      version,
      resolutionCode: 'fault_confirmed_part_replaced',
    });
    const { token } = service.customers.issueSurvey(wo.id);
    service.customers.answerSurvey(token, { csat: 4, nps: 6, comment: 'ok but slow' });
    expect(service.customers.listFollowUps({ open: true })).toMatchObject([
      { reason: 'low_rating', workOrderId: wo.id, contactId: null, csat: 4, nps: 6, comment: 'ok but slow' },
    ]);
  });

  it('limits each address to a minute’s worth of requests', async () => {
    const { app } = await build();
    const statuses: number[] = [];
    for (let i = 0; i <= TRACKING_RATE_PER_MINUTE; i++)
      statuses.push((await app.inject({ url: `/api/track/${'B'.repeat(43)}` })).statusCode);
    expect(statuses.slice(0, TRACKING_RATE_PER_MINUTE).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
