// Reminders before a warranty or contract ends (issue 19, item 4), through the customer notices'
// outbox to a real SMTP server on loopback: a month ahead, once per device and end, in the
// contact's language, the end date in the site's zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel } from '../../service/notifications/channels.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { HOUR, makeService, seedSmallNetwork } from './helpers.ts';

const DAY = 24 * HOUR;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.stop();
});

describe('coverage reminders', () => {
  it('tells the site contacts a month before the warranty ends, once, and again before the contract after it ends', async () => {
    const email = new EmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      tls: 'none',
      user: '',
      password: '',
      from: 'Purna Service <service@purna.test>',
    });
    const { service, clock } = makeService({ notifier: { pollIntervalMs: 0, channels: { email } } });
    try {
      seedSmallNetwork(service);
      const now = clock.nowMs();
      service.customers.registerDevices([
        {
          deviceId: 'ending-pump',
          modelId: 'pump-p200',
          siteId: 'S-JKT',
          serial: 'P200-7781',
          contractTier: 'premium',
          installDateMs: now - 700 * DAY,
          warrantyEndMs: now + 40 * DAY,
        },
      ]);
      service.customers.saveContact('K-JKT', {
        customerId: 'C1',
        siteId: 'S-JKT',
        name: 'Dewi',
        email: 'dewi@tirta.test',
        language: 'id',
      });
      const before = (await smtp.messages()).length;
      expect(service.warranty.remindCoverageEnding()).toEqual([]);
      clock.advance(11 * DAY);
      const sent = service.warranty.remindCoverageEnding();
      expect(sent).toEqual([{ deviceId: 'ending-pump', kind: 'warranty', endsAtMs: now + 40 * DAY, contacts: 1 }]);
      // The demo's own pumps are two years from their warranty's end: nothing for them.
      expect(service.warranty.remindCoverageEnding()).toEqual([]);
      await service.stores.notifier.processDue();
      const mails = (await smtp.messages()).slice(before);
      expect(mails.map((m) => m.envelope.to[0])).toEqual(['dewi@tirta.test']);
      expect(mails[0].mail.subject).toMatch(/^Garansi Centrifugal pump P200 \(22 kW\) Anda berakhir pada /);
      expect(mails[0].mail.text).toMatch(/nomor seri P200-7781/);
      const log = service.notifications.listDeliveries({}).filter((d) => d.event === 'notice.coverage_ending');
      expect(log).toHaveLength(1);

      // The premium contract takes over for a year; a month before it ends, the second reminder.
      clock.set(now + 40 * DAY + 340 * DAY);
      expect(service.warranty.coverageOf('ending-pump')).toMatchObject({ kind: 'contract', tier: 'premium' });
      const second = service.warranty.remindCoverageEnding();
      expect(second.map((r) => r.kind)).toEqual(['contract']);
      await service.stores.notifier.processDue();
      const last = (await smtp.messages()).at(-1)!;
      expect(last.mail.subject).toMatch(/^Kontrak servis/);
    } finally {
      service.stop();
    }
  });

  it('a planned visit is told as booked, not as a fault found: the installation and its completion', async () => {
    const email = new EmailChannel({
      host: '127.0.0.1',
      port: smtp.port,
      tls: 'none',
      user: '',
      password: '',
      from: 'Purna Service <service@purna.test>',
    });
    const { service } = makeService({ notifier: { pollIntervalMs: 0, channels: { email } } });
    try {
      seedSmallNetwork(service);
      service.customers.saveContact('K-BDG', {
        customerId: 'C1',
        siteId: 'S-BDG',
        name: 'Agus',
        email: 'agus@tirta.test',
        language: 'id',
      });
      const before = (await smtp.messages()).length;
      const { workOrder } = service.installation.install(
        'pump-new-7',
        { modelId: 'pump-p200', siteId: 'S-BDG' },
        'planner:p',
      );
      expect(workOrder.state).toBe('assigned');
      await service.stores.notifier.processDue();
      const mail = (await smtp.messages()).slice(before).find((m) => m.envelope.to[0] === 'agus@tirta.test')!;
      expect(mail.mail.text).toMatch(/Di Plant Bandung, kami sudah menjadwalkan instalasi dan komisioning /);
      expect(mail.mail.text).not.toMatch(/menemukan/);
    } finally {
      service.stop();
    }
  });
});
