// The two HTTP channels against a local server that checks each request as the provider
// documents it (no provider is reachable from here): the WhatsApp Business Cloud API's template
// message and a generic SMS gateway. Then the channel choice through the outbox: the preferred
// channel, a fallback when it is not configured, a permanent refusal not retried.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../core/config.ts';
import type { ServiceDomain } from '../../service/index.ts';
import {
  type ChannelError,
  SmsChannel,
  WhatsAppChannel,
  type OutgoingMessage,
} from '../../service/notifications/channels.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server | null = null;
let service: ServiceDomain | null = null;
afterEach(async () => {
  service?.stop();
  service = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A provider stand-in: records each request and answers with `answer(request)`. */
async function provider(answer: (seen: Seen) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : null };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const message: OutgoingMessage = {
  to: '+6281234567890',
  language: 'id',
  subject: 's',
  text: 't',
  html: '<p>t</p>',
  short: 'WO-1: teknisi datang Senin 10.00–12.00 WIB https://x/t/abc',
  whatsapp: {
    template: 'purna_visit_planned',
    params: [
      'Dewi',
      'WO-1',
      'bantalan aus',
      'Budi',
      'Senin, 10.00–12.00 WIB',
      'suku cadang siap',
      'garansi',
      'https://x/t/abc',
    ],
  },
};

/**
 * What the Cloud API documents for POST /{Version}/{Phone-Number-ID}/messages with a template:
 * bearer auth, JSON, messaging_product "whatsapp", the recipient, type "template", the template's
 * name and language code, and the body component's text parameters.
 */
function checkCloudApiRequest(s: Seen): string | null {
  const b = s.body as Record<string, any>;
  if (s.method !== 'POST') return `method ${s.method}`;
  if (s.url !== '/v21.0/109876543210/messages') return `path ${s.url}`;
  if (s.headers.authorization !== 'Bearer test-wa-token') return 'authorization';
  if (!String(s.headers['content-type']).startsWith('application/json')) return 'content-type';
  if (b.messaging_product !== 'whatsapp' || b.type !== 'template' || !/^\d{8,15}$/.test(b.to)) return 'envelope';
  const t = b.template;
  if (typeof t?.name !== 'string' || typeof t.language?.code !== 'string') return 'template name/language';
  const body = (t.components as any[]).find((c) => c.type === 'body');
  if (!body?.parameters.every((p: any) => p.type === 'text' && typeof p.text === 'string')) return 'body parameters';
  return null;
}

describe('WhatsApp Business Cloud API', () => {
  it('sends the template message as documented and keeps the message id', async () => {
    const p = await provider((s) => {
      const wrong = checkCloudApiRequest(s);
      return wrong
        ? { status: 400, body: { error: { message: `bad request: ${wrong}`, code: 100 } } }
        : {
            status: 200,
            body: {
              messaging_product: 'whatsapp',
              contacts: [{ input: '6281234567890', wa_id: '6281234567890' }],
              messages: [{ id: 'wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA' }],
            },
          };
    });
    const wa = new WhatsAppChannel({
      baseUrl: `${p.base}/v21.0`,
      token: 'test-wa-token',
      phoneNumberId: '109876543210',
    });
    expect(await wa.send(message)).toEqual({ providerId: 'wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA' });
    const body = p.seen[0].body as Record<string, any>;
    expect(body).toMatchObject({
      messaging_product: 'whatsapp',
      to: '6281234567890',
      type: 'template',
      template: { name: 'purna_visit_planned', language: { code: 'id' } },
    });
    expect(body.template.components[0].parameters.map((x: any) => x.text)).toEqual(message.whatsapp.params);
  });

  it('tells a refusal for good (400, an unknown number) from one worth retrying (429, 5xx, an expired token)', async () => {
    const answers = [
      { status: 400, body: { error: { message: '(#131026) Message undeliverable', code: 131026 } } },
      { status: 429, body: { error: { message: 'rate limit', code: 130429 } } },
      { status: 503, body: {} },
      { status: 401, body: { error: { message: 'Error validating access token', code: 190 } } },
    ];
    let i = 0;
    const p = await provider(() => answers[i++]);
    const wa = new WhatsAppChannel({
      baseUrl: `${p.base}/v21.0`,
      token: 'test-wa-token',
      phoneNumberId: '109876543210',
    });
    const outcomes = [];
    for (let n = 0; n < answers.length; n++) {
      const err = await wa.send(message).catch((e: ChannelError) => e);
      outcomes.push([(err as ChannelError).status, (err as ChannelError).permanent]);
      if (n === 0)
        expect((err as Error).message).toBe('WhatsApp HTTP 400: (#131026) Message undeliverable (code 131026)');
    }
    expect(outcomes).toEqual([
      [400, true],
      [429, false],
      [503, false],
      [401, false],
    ]);
  });
});

describe('SMS gateway', () => {
  it('posts the configured body with the auth header, the number and the short text', async () => {
    const p = await provider((s) =>
      s.headers['x-api-key'] === 'sms-key-123' ? { status: 202, body: { messageId: 77 } } : { status: 401, body: {} },
    );
    const sms = new SmsChannel({
      url: `${p.base}/send`,
      authHeader: 'X-API-Key',
      token: 'sms-key-123',
      bodyTemplate: { recipients: ['{{to}}'], message: { body: '{{text}}', sender: 'PURNA' } },
    });
    expect(await sms.send(message)).toEqual({ providerId: '77' });
    expect(p.seen[0]).toMatchObject({
      method: 'POST',
      url: '/send',
      body: { recipients: ['+6281234567890'], message: { body: message.short, sender: 'PURNA' } },
    });
  });
});

describe('channel choice through the outbox', () => {
  it('sends on the preferred channel, falls back to a configured one, and says on the job which went', async () => {
    const p = await provider((s) =>
      s.url.startsWith('/v21.0')
        ? checkCloudApiRequest(s)
          ? { status: 400, body: { error: { message: checkCloudApiRequest(s) } } }
          : { status: 200, body: { messages: [{ id: 'wamid.1' }] } }
        : { status: 200, body: { id: 'sms-1' } },
    );
    const ctx = makeService({
      notifier: {
        pollIntervalMs: 0,
        channels: {
          whatsapp: new WhatsAppChannel({
            baseUrl: `${p.base}/v21.0`,
            token: 'test-wa-token',
            phoneNumberId: '109876543210',
          }),
          sms: new SmsChannel({
            url: `${p.base}/sms`,
            authHeader: 'Authorization',
            token: 'Bearer s',
            bodyTemplate: { to: '{{to}}', text: '{{text}}' },
          }),
        },
      },
      trackingBaseUrl: () => 'https://service.purna.test/api/track/',
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.customers.saveContact('K-WA', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Dewi Lestari',
      phone: '0812 3456 7890',
      preferredChannel: 'whatsapp',
      language: 'id',
    });
    service.customers.saveContact('K-SMS', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Rudi',
      phone: '0813 1111 2222',
      preferredChannel: 'sms',
      language: 'en',
    });
    // Prefers e-mail, which is not configured here: hears on the first configured channel their mobile takes.
    service.customers.saveContact('K-FALLBACK', {
      customerId: 'C1',
      siteId: 'S-JKT',
      name: 'Sri',
      phone: '0815 5555 6666',
      email: 'sri@tirta.test',
      preferredChannel: 'email',
    });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await service.stores.notifier.processDue();
    const byContact = Object.fromEntries(service.notifications.workOrderMessages(wo.id).map((m) => [m.contactId, m]));
    expect(byContact['K-WA']).toMatchObject({
      channel: 'whatsapp',
      target: '+6281234567890',
      state: 'delivered',
      providerMessageId: 'wamid.1',
    });
    expect(byContact['K-SMS']).toMatchObject({
      channel: 'sms',
      target: '+6281311112222',
      state: 'delivered',
      providerMessageId: 'sms-1',
    });
    expect(byContact['K-FALLBACK']).toMatchObject({
      channel: 'whatsapp',
      target: '+6281555556666',
      state: 'delivered',
    });
    const waBody = p.seen.find((s) => s.url.startsWith('/v21.0') && (s.body as { to: string }).to === '6281234567890')!
      .body as Record<string, any>;
    const params: string[] = waBody.template.components[0].parameters.map((x: any) => x.text);
    expect(waBody.template).toMatchObject({ name: 'purna_visit_planned', language: { code: 'id' } });
    expect(params[0]).toBe('Dewi Lestari');
    expect(params[1]).toBe(wo.id);
    expect(params[3]).toBe('Budi');
    expect(params[4]).toMatch(/^Senin, 23 November, \d\d\.\d\d–\d\d\.\d\d WIB$/);
    expect(params.at(-1)).toMatch(/^https:\/\/service\.purna\.test\/api\/track\/[A-Za-z0-9_-]{43}$/);
    const smsBody = p.seen.find((s) => s.url === '/sms')!.body as { to: string; text: string };
    expect(smsBody.to).toBe('+6281311112222');
    expect(smsBody.text).toMatch(
      new RegExp(
        `^${wo.id}: the bearings of your Centrifugal pump P200 \\(22 kW\\) are wearing.* Technician Budi comes Monday 23 November, .* WIB\\. .* https://service\\.purna\\.test/api/track/`,
      ),
    );
  });
});

describe('settings', () => {
  it('stop start-up naming the bad or missing one', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ PURNA_SMTP_HOST: 'smtp.example.co.id' }, /PURNA_SMTP_FROM must be set with PURNA_SMTP_HOST/],
      [{ PURNA_SMTP_HOST: 'smtp example' }, /PURNA_SMTP_HOST must be a host name/],
      [
        { PURNA_SMTP_HOST: 'smtp.x.id', PURNA_SMTP_FROM: 'Purna <service@>' },
        /PURNA_SMTP_FROM must be an e-mail address/,
      ],
      [{ PURNA_SMTP_TLS: 'ssl' }, /PURNA_SMTP_TLS must be one of starttls, tls, none/],
      [{ PURNA_WHATSAPP_TOKEN: 'abc' }, /PURNA_WHATSAPP_PHONE_NUMBER_ID must be set with PURNA_WHATSAPP_TOKEN/],
      [{ PURNA_WHATSAPP_PHONE_NUMBER_ID: '+62 812' }, /PURNA_WHATSAPP_PHONE_NUMBER_ID must be the digits/],
      [{ PURNA_WHATSAPP_BASE_URL: 'graph.facebook.com' }, /PURNA_WHATSAPP_BASE_URL must be an http\(s\) URL/],
      [
        { PURNA_WHATSAPP_TEMPLATES: 'visit_planned=Visit Planned' },
        /PURNA_WHATSAPP_TEMPLATES: the template of visit_planned must be a WhatsApp template name/,
      ],
      [
        { PURNA_WHATSAPP_TEMPLATES: 'visit_planned=a,en_route=b' },
        /PURNA_WHATSAPP_TEMPLATES must name a template for every notice; missing delayed, resolved, cancelled/,
      ],
      [{ PURNA_SMS_URL: 'ftp://sms.x' }, /PURNA_SMS_URL must be an http\(s\) URL/],
      [{ PURNA_SMS_BODY_TEMPLATE: '{"to":"{{to}}"}' }, /PURNA_SMS_BODY_TEMPLATE must hold \{\{text\}\}/],
      [{ PURNA_SMS_BODY_TEMPLATE: '{to}' }, /PURNA_SMS_BODY_TEMPLATE must be JSON/],
      [{ PURNA_SMS_AUTH_HEADER: 'X API Key' }, /PURNA_SMS_AUTH_HEADER must be an HTTP header name/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig(env, []), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env, []), JSON.stringify(env)).toThrow(message);
    }
    const ok = loadConfig(
      {
        PURNA_SMTP_HOST: 'smtp.x.id',
        PURNA_SMTP_FROM: 'Purna <service@x.id>',
        PURNA_WHATSAPP_TEMPLATES: 'visit_planned=a,en_route=b,delayed=c,resolved=d,cancelled=e',
      },
      [],
    );
    expect(ok.whatsappTemplates).toEqual({
      visit_planned: 'a',
      en_route: 'b',
      delayed: 'c',
      resolved: 'd',
      cancelled: 'e',
      // Not named: the warranty reminder keeps its default template.
      coverage_ending: 'purna_coverage_ending',
      quote_ready: 'purna_quote_ready',
    });
  });
});
