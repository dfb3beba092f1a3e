// Issue 17 end to end on a real Purna: the demo network, a device publishing over MQTT until
// analytics predicts its bearing failure, the work order planned — and the site's maintenance
// lead, who reads Indonesian, gets an e-mail through a real SMTP server on loopback saying what
// was found, who comes, and when, on the plant's clock (WIB).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { seedDemo } from '../../demo/seed.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

const deviceId = 'pump-notice-0001';
const APP_SECRET = 'meta-app-secret-for-the-test';
let smtp: SmtpSink;
let purna: TestPurna;
let device: MqttClient;

beforeAll(async () => {
  smtp = await startSmtpSink();
  purna = await startTestPurna({
    smtpHost: '127.0.0.1',
    smtpPort: smtp.port,
    smtpTls: 'none',
    smtpFrom: 'Purna Service <service@purna.test>',
    whatsappAppSecret: APP_SECRET,
  });
  seedDemo(purna.service, { devices: [{ deviceId, modelId: 'pump-p200' }], totalDevices: 40, historyDays: 0 });
  device = await connectDevice(purna.mqttUrl, deviceId);
});
afterAll(async () => {
  await device?.endAsync();
  await purna?.destroy();
  await smtp?.stop();
});

const WEEKDAYS_ID = ['Minggu', 'Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu'];
const MONTHS_ID = [
  'Januari',
  'Februari',
  'Maret',
  'April',
  'Mei',
  'Juni',
  'Juli',
  'Agustus',
  'September',
  'Oktober',
  'November',
  'Desember',
];
/** A window as an Indonesian reader in Jakarta writes it, worked out here by hand (WIB = UTC+7, no DST). */
function jakartaWindow(fromMs: number, toMs: number): string {
  const a = new Date(fromMs + 7 * 3600_000);
  const b = new Date(toMs + 7 * 3600_000);
  const hm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}.${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const day = (d: Date) => `${WEEKDAYS_ID[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS_ID[d.getUTCMonth()]}`;
  // A window that spans the site's midnight names both days (22.00 – Jumat, 4 Desember, 00.00).
  if (a.getUTCDate() !== b.getUTCDate()) return `${day(a)}, ${hm(a)} – ${day(b)}, ${hm(b)} WIB`;
  return `${day(a)}, ${hm(a)}–${hm(b)} WIB`;
}

it("the predicted failure reaches the site's contact as an Indonesian e-mail with the arrival window in WIB", {
  timeout: 90_000,
}, async () => {
  const site = purna.service.customers.getDevice(deviceId)!;
  const lead = purna.service.stores.contacts.recipientsForSite(site.siteId!).find((c) => c.siteId === site.siteId)!;
  expect(lead.language).toBe('id');
  expect(site.timeZone).toBe('Asia/Jakarta');

  // 60 s of normal bearing vibration, then wear rising into ISO zone D (as the demo's pump does, faster).
  const t0 = Date.now() - 200_000;
  for (let i = 0; i < 190; i++) {
    const vibration = i < 60 ? 1.6 + 0.03 * Math.sin(i) : 1.6 + 5.6 * ((i - 60) / 120) ** 2;
    await device.publishAsync(
      topics.telemetry(deviceId),
      JSON.stringify({ ts: t0 + i * 1000, values: { vibration, temperature: 58 + 0.2 * Math.cos(i) } }),
      { qos: 1 },
    );
  }
  const wo = (await eventually(
    () => purna.service.workOrders.listWorkOrders({ deviceId }).find((o) => o.state === 'assigned'),
    30_000,
  ))!;
  expect(wo.mode).toBe('bearing_wear');

  const mail = (await eventually(
    async () => (await smtp.messages()).find((m) => m.envelope.to.includes(lead.email!))?.mail,
    20_000,
  ))!;
  expect(mail.subject).toMatch(
    new RegExp(`^Kunjungan servis dijadwalkan: Centrifugal pump P200 \\(22 kW\\) di .+ \\(${wo.id}\\)$`),
  );
  expect(mail.text).toContain(`Yth. Bapak/Ibu ${lead.name},`);
  expect(mail.text).toContain('bantalan (bearing) Centrifugal pump P200 (22 kW) Anda mulai aus');
  const tech = purna.service.network.getTechnician(wo.technicianId!)!;
  const fromMs = Math.floor((wo.plan!.plannedAtMs + wo.plannedLeadTimeMs!) / 1_800_000) * 1_800_000;
  expect(mail.text).toContain(
    `Teknisi: ${tech.name.split(' ')[0]}. Perkiraan kedatangan: ${jakartaWindow(fromMs, fromMs + 2 * 3600_000)}.`,
  );
  expect(mail.text).toContain(wo.warrantyCovered ? 'ditanggung garansi' : 'tidak ditanggung garansi');
  // The link is the dashboard's own address (no public URL set) and opens the tracking page.
  const link = /(http:\/\/localhost:\d+\/api\/track\/[A-Za-z0-9_-]{43})/.exec(mail.text!)![1];
  expect(link.startsWith(purna.dashboardUrl)).toBe(true);
  const page = await fetch(link, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<html lang="id">');
  expect(html).toContain('Kunjungan dijadwalkan');
  expect(html).toContain(
    jakartaWindow(fromMs, fromMs + 2 * 3600_000)
      .split(', ')
      .slice(-1)[0],
  );

  // The work order shows the delivery.
  expect(purna.service.notifications.workOrderMessages(wo.id).find((m) => m.contactId === lead.id)).toMatchObject({
    notice: 'visit_planned',
    channel: 'email',
    state: 'delivered',
    language: 'id',
  });
});

it("takes the lead's WhatsApp reply through the dashboard, signed as Meta signs it, onto the job", async () => {
  const wo = purna.service.workOrders.listWorkOrders({ deviceId }).find((o) => o.state === 'assigned')!;
  const site = purna.service.customers.getDevice(deviceId)!;
  const lead = purna.service.stores.contacts.recipientsForSite(site.siteId!).find((c) => c.siteId === site.siteId)!;
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              contacts: [{ profile: { name: lead.name }, wa_id: lead.phone!.slice(1) }],
              messages: [
                {
                  from: lead.phone!.slice(1),
                  id: 'wamid.reply-1',
                  timestamp: '1763863200',
                  type: 'text',
                  text: { body: 'Baik, kami tunggu.' },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  const post = (signature: string) =>
    fetch(`${purna.dashboardUrl}api/inbound/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
    });
  expect((await post('sha256=00')).status).toBe(401);
  const r = await post(`sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`);
  expect(r.status).toBe(200);
  expect((await r.json()).received).toMatchObject([{ outcome: 'attached', workOrderId: wo.id }]);
  expect(purna.service.workOrders.workOrderHistory(wo.id).at(-1)!.note).toBe(
    `WhatsApp from ${lead.name}: “Baik, kami tunggu.”`,
  );
});
