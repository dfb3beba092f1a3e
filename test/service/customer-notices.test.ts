// Notices to the customer's contacts through the outbox, received by a real SMTP server on
// loopback (Debian's aiosmtpd) and parsed as a mail client would: the language and the site's
// time zone of each contact, one notice per job, kind and contact, quiet hours, a refusal that
// stops retries, a channel not configured, and a link that works without resting in the store.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { EmailChannel } from '../../service/notifications/channels.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { dispatchRequest, HOUR, makeService, MONDAY_9_WIB, seedSmallNetwork } from './helpers.ts';

let smtp: SmtpSink;
let service: ServiceDomain | null = null;
beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.stop();
});
afterEach(() => {
  service?.stop();
  service = null;
});

const LINK_KEY = randomBytes(32);

function build(opts: { withEmail?: boolean } = {}) {
  const email = new EmailChannel({
    host: '127.0.0.1',
    port: smtp.port,
    tls: 'none',
    user: '',
    password: '',
    from: 'Purna Service <service@purna.test>',
  });
  const ctx = makeService({
    notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000, channels: opts.withEmail === false ? {} : { email } },
    linkKey: LINK_KEY,
    trackingBaseUrl: () => 'https://service.purna.test/api/track/',
  });
  service = ctx.service;
  seedSmallNetwork(service);
  service.customers.saveContact('K-ID', {
    customerId: 'C1',
    siteId: 'S-JKT',
    name: 'Dewi Lestari',
    email: 'dewi@tirta.test',
    phone: '0812 3456 7890',
    preferredChannel: 'email',
  });
  service.customers.saveContact('K-EN', {
    customerId: 'C1',
    name: 'Mark Thompson',
    email: 'mark@tirta.test',
    preferredChannel: 'email',
    language: 'en',
  });
  // At the Bandung site only: never told about a Jakarta job.
  service.customers.saveContact('K-BDG', { customerId: 'C1', siteId: 'S-BDG', name: 'Agus', email: 'agus@tirta.test' });
  return ctx;
}

const mailTo = async (address: string) => (await smtp.messages()).filter((m) => m.envelope.to.includes(address));
const jakartaHhmm = (ms: number) => new Date(ms + 7 * HOUR).toISOString().slice(11, 16);

describe('notices by e-mail', () => {
  it('tells each contact of the site in their language, with the arrival window in WIB, once', async () => {
    const { service, clock } = build();
    const before = (await smtp.messages()).length;
    const wo = service.workOrders.handleDispatch(
      dispatchRequest('pump-jkt-1', 'bearing_wear', MONDAY_9_WIB + 3 * 24 * HOUR),
    ).order;
    expect(wo.state).toBe('assigned');
    await service.stores.notifier.processDue();
    const received = (await smtp.messages()).slice(before);
    expect(received.map((m) => m.envelope.to[0]).sort()).toEqual(['dewi@tirta.test', 'mark@tirta.test']);

    // The window the plan promises, on Jakarta's clock: from the half hour both technician and part can be there.
    const fromMs = Math.floor((wo.plan!.plannedAtMs + wo.plannedLeadTimeMs!) / (30 * 60_000)) * 30 * 60_000;
    const window = `${jakartaHhmm(fromMs)}–${jakartaHhmm(fromMs + 2 * HOUR)}`;
    const id = received.find((m) => m.envelope.to[0] === 'dewi@tirta.test')!.mail;
    expect(id.subject).toBe(`Kunjungan servis dijadwalkan: Centrifugal pump P200 (22 kW) di Plant Cikarang (${wo.id})`);
    expect(id.headers.get('content-language')).toBe('id');
    expect(id.text).toContain('Yth. Bapak/Ibu Dewi Lestari,');
    expect(id.text).toContain('bantalan (bearing) Centrifugal pump P200 (22 kW) Anda mulai aus');
    expect(id.text).toContain('dalam sekitar 3 hari');
    expect(id.text).toContain(
      `Teknisi: Budi. Perkiraan kedatangan: Senin, 23 November, ${window.replaceAll(':', '.')} WIB.`,
    );
    expect(id.text).toContain('Suku cadang (Bearing kit P200) sudah disiapkan dan dibawa oleh teknisi.');
    expect(id.text).toContain('Kunjungan ini ditanggung garansi: tanpa biaya untuk Anda.');
    const en = received.find((m) => m.envelope.to[0] === 'mark@tirta.test')!.mail;
    expect(en.subject).toBe(`Service visit planned: Centrifugal pump P200 (22 kW) at Plant Cikarang (${wo.id})`);
    expect(en.text).toContain(`Technician: Budi. Expected arrival: Monday 23 November, ${window} WIB.`);
    expect(en.text).toContain('This visit is covered by your warranty');
    expect(en.from?.value[0]).toMatchObject({ name: 'Purna Service', address: 'service@purna.test' });

    // The link: absolute, different per contact, in the HTML too, and its token nowhere in the store.
    const link = /https:\/\/service\.purna\.test\/api\/track\/([A-Za-z0-9_-]{43})/.exec(id.text!)!;
    expect(link).not.toBeNull();
    expect(en.text).not.toContain(link[1]);
    expect(id.html).toContain(`href="${link[0]}"`);
    const dump =
      JSON.stringify(service.notifications.listDeliveries({ limit: 1000 })) +
      JSON.stringify(service.notifications.workOrderMessages(wo.id));
    const rows = service.stores.notifier.customerMessages({ workOrderId: wo.id });
    expect(rows.every((r) => !r.text.includes(link[1]))).toBe(true);
    expect(dump).not.toContain(link[1]);

    // Sent once: the same dispatch again, a re-plan, another pass: no second visit notice.
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'bearing_wear', MONDAY_9_WIB + 2 * 24 * HOUR));
    clock.advance(60_000);
    await service.stores.notifier.processDue();
    expect((await smtp.messages()).length).toBe(before + 2);
    expect(
      service.notifications.workOrderMessages(wo.id).map((m) => [m.notice, m.contactId, m.state, m.channel]),
    ).toEqual(
      expect.arrayContaining([
        ['visit_planned', 'K-ID', 'delivered', 'email'],
        ['visit_planned', 'K-EN', 'delivered', 'email'],
      ]),
    );
    expect(service.notifications.workOrderMessages(wo.id)).toHaveLength(2);
  });

  it('follows the job: en route, resolved with the confirmation link, each once', async () => {
    const { service, clock } = build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await service.stores.notifier.processDue();
    let v = service.workOrders.transition(wo.id, { to: 'acknowledged', actor: 'technician:T-JKT-1' }).version;
    clock.advance(10 * 60_000);
    v = service.workOrders.transition(wo.id, { to: 'en_route', actor: 'technician:T-JKT-1', version: v }).version;
    await service.stores.notifier.processDue();
    const onTheWay = (await mailTo('dewi@tirta.test')).at(-1)!.mail;
    expect(onTheWay.subject).toBe(`Teknisi kami sedang menuju Plant Cikarang (${wo.id})`);
    expect(onTheWay.text).toMatch(
      /Budi sedang dalam perjalanan ke Plant Cikarang dan diperkirakan tiba Senin, 23 November, \d\d\.\d\d–\d\d\.\d\d WIB\./,
    );
    clock.advance(HOUR);
    v = service.workOrders.transition(wo.id, { to: 'on_site', actor: 'technician:T-JKT-1', version: v }).version;
    clock.advance(HOUR);
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      actor: 'technician:T-JKT-1',
      version: v,
      resolutionCode: 'fault_confirmed_part_replaced',
    });
    await service.stores.notifier.processDue();
    const done = (await mailTo('mark@tirta.test')).at(-1)!.mail;
    expect(done.subject).toBe(`Work done on your Centrifugal pump P200 (22 kW) at Plant Cikarang (${wo.id})`);
    expect(done.text).toContain('the Bearing kit P200 was replaced and the machine runs normally again');
    expect(done.text).toMatch(
      /Please confirm that the work is done and tell us how we did: https:\/\/service\.purna\.test\/api\/track\//,
    );
    // The same contact's link in every notice about the job.
    const links = (await mailTo('dewi@tirta.test')).map((m) => /api\/track\/([A-Za-z0-9_-]+)/.exec(m.mail.text!)?.[1]);
    expect(new Set(links.slice(-3)).size).toBe(1);
    expect(
      service.notifications
        .workOrderMessages(wo.id)
        .map((m) => `${m.notice}:${m.contactId}`)
        .sort(),
    ).toEqual([
      'en_route:K-EN',
      'en_route:K-ID',
      'resolved:K-EN',
      'resolved:K-ID',
      'visit_planned:K-EN',
      'visit_planned:K-ID',
    ]);
  });

  it('holds a notice through the contact\'s quiet hours in the site\'s zone; "on the way" goes at once', async () => {
    const { service, clock } = build();
    // 09:00 WIB now: quiet until 10:30 WIB.
    service.customers.saveContact('K-ID', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Dewi Lestari',
      email: 'dewi-quiet@tirta.test',
      preferredChannel: 'email',
      quietHours: { from: '08:00', to: '10:30' },
    });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await service.stores.notifier.processDue();
    const held = service.notifications.workOrderMessages(wo.id).find((m) => m.contactId === 'K-ID')!;
    expect(held).toMatchObject({
      notice: 'visit_planned',
      state: 'pending',
      heldUntilMs: MONDAY_9_WIB + 1.5 * HOUR,
      attempts: 0,
    });
    expect(await mailTo('dewi-quiet@tirta.test')).toHaveLength(0);

    const v = service.workOrders.transition(wo.id, { to: 'acknowledged', actor: 'technician:T-JKT-1' }).version;
    service.workOrders.transition(wo.id, { to: 'en_route', actor: 'technician:T-JKT-1', version: v });
    await service.stores.notifier.processDue();
    expect((await mailTo('dewi-quiet@tirta.test')).map((m) => m.mail.subject)).toEqual([
      `Teknisi kami sedang menuju Plant Cikarang (${wo.id})`,
    ]);

    clock.advance(1.5 * HOUR - 1);
    await service.stores.notifier.processDue();
    expect(await mailTo('dewi-quiet@tirta.test')).toHaveLength(1);
    clock.advance(1);
    await service.stores.notifier.processDue();
    expect((await mailTo('dewi-quiet@tirta.test')).map((m) => m.mail.subject).at(-1)).toMatch(
      /^Kunjungan servis dijadwalkan/,
    );
  });

  it('stops at a refusal the server means (550), retries one it does not (451), and says why on the job', async () => {
    const { service, clock } = build();
    service.customers.saveContact('K-ID', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Dewi Lestari',
      email: 'bounce.dewi@tirta.test',
      preferredChannel: 'email',
    });
    service.customers.saveContact('K-EN', {
      customerId: 'C1',
      name: 'Mark Thompson',
      email: 'busy.mark@tirta.test',
      preferredChannel: 'email',
      language: 'en',
    });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await service.stores.notifier.processDue();
    clock.advance(1000);
    await service.stores.notifier.processDue();
    const byContact = Object.fromEntries(service.notifications.workOrderMessages(wo.id).map((m) => [m.contactId, m]));
    expect(byContact['K-ID']).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 550 });
    expect(byContact['K-ID'].lastError).toMatch(/550 5\.1\.1 mailbox unavailable/);
    expect(byContact['K-EN']).toMatchObject({ state: 'pending', attempts: 2, lastStatus: 451 });
    // A day later the news is stale: given up, not sent late.
    clock.advance(25 * HOUR);
    await service.stores.notifier.processDue();
    expect(service.notifications.workOrderMessages(wo.id).find((m) => m.contactId === 'K-EN')).toMatchObject({
      state: 'dead',
      lastError: expect.stringMatching(/^expired: not sent by /),
    });
  });

  it('records a notice that cannot go (no channel configured) on the job, with the setting to set', async () => {
    const { service } = build({ withEmail: false });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const messages = service.notifications.workOrderMessages(wo.id);
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.state).toBe('dead');
      expect(m.lastError).toMatch(/^not sent: email is not configured \(PURNA_SMTP_HOST unset\)/);
    }
    // The record still says what the customer would have read (without the link).
    expect(messages.find((m) => m.contactId === 'K-ID')!.text).toContain('Perkiraan kedatangan');
    expect(messages.find((m) => m.contactId === 'K-ID')!.text).toContain('[link]');
  });
});
