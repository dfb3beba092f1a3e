// The three ways Purna reaches a customer's contact: e-mail over SMTP (nodemailer), WhatsApp
// through the WhatsApp Business Cloud API's template messages, and SMS through a generic HTTP
// gateway. Each takes one rendered message and says whether the provider took it, and when not,
// whether trying again can help.
//
// No provider is reachable from where Purna is developed: the two HTTP channels are tested
// against a local server that checks each request as the provider documents it
// (test/service/customer-channels.test.ts), e-mail against a real SMTP server on loopback.

import nodemailer, { type Transporter } from 'nodemailer';
import type { Language } from '../../core/i18n/index.ts';
import type { CustomerChannel } from '../types.ts';

/** One message to one contact, rendered in their language; the outbox fills in the link. */
export interface OutgoingMessage {
  /** An e-mail address, or an E.164 phone number for WhatsApp and SMS. */
  to: string;
  language: Language;
  subject: string;
  text: string;
  html: string;
  /** The same news in one SMS-sized paragraph. */
  short: string;
  /** The approved template's name and its body parameters {{1}}, {{2}}, … in order. */
  whatsapp: { template: string; params: string[] };
}

/** A provider said no. Permanent: the same message will never be taken (a bad address); else retried. */
export class ChannelError extends Error {
  readonly permanent: boolean;
  readonly status: number | null;
  constructor(message: string, opts: { permanent: boolean; status?: number | null }) {
    super(message);
    this.permanent = opts.permanent;
    this.status = opts.status ?? null;
  }
}

export interface ChannelSender {
  readonly channel: CustomerChannel;
  /** Resolves with the provider's id of the message; throws ChannelError (or any error: retried). */
  send(message: OutgoingMessage): Promise<{ providerId: string | null }>;
  close?(): void;
}

// ── e-mail ──

export interface EmailSettings {
  host: string;
  port: number;
  /** starttls: upgrade or refuse (port 587); tls: TLS from the first byte (465); none: plain (a relay on loopback). */
  tls: 'starttls' | 'tls' | 'none';
  user: string;
  password: string;
  /** The From: header, e.g. `Purna Service <service@example.co.id>`. */
  from: string;
  timeoutMs?: number;
}

/** SMTP reply codes that will not change on a retry: 5xx, except the server's own auth and policy trouble. */
function permanentSmtp(code: number | undefined): boolean {
  return code !== undefined && code >= 500 && code < 600 && code !== 530 && code !== 535 && code !== 554;
}

export class EmailChannel implements ChannelSender {
  readonly channel = 'email' as const;
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(s: EmailSettings) {
    const timeout = s.timeoutMs ?? 20_000;
    this.#from = s.from;
    this.#transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.tls === 'tls',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      auth: s.user ? { user: s.user, pass: s.password } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(m: OutgoingMessage): Promise<{ providerId: string | null }> {
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: { 'Content-Language': m.language },
      });
      return { providerId: info.messageId ?? null };
    } catch (err) {
      const e = err as Error & { responseCode?: number; response?: string };
      throw new ChannelError(`SMTP: ${e.response ?? e.message}`, {
        permanent: permanentSmtp(e.responseCode),
        status: e.responseCode ?? null,
      });
    }
  }

  close(): void {
    this.#transport.close();
  }
}

// ── the two HTTP channels ──

/** HTTP answers a retry will not change: a 4xx other than timeout, conflict-ish and rate limits (and auth, the operator's to fix). */
function permanentHttp(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 408, 409, 425, 429].includes(status);
}

async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // a gateway answering in something else: the text goes into the error
  }
  return { status: res.status, json, text };
}

export interface WhatsAppSettings {
  /** https://graph.facebook.com/v21.0 (the Graph API version is part of it). */
  baseUrl: string;
  token: string;
  phoneNumberId: string;
  timeoutMs?: number;
}

/**
 * WhatsApp Business Cloud API, template messages (the only kind a business may send first, or
 * after the 24-hour customer-service window): POST {base}/{phone-number-id}/messages with the
 * bearer token and {messaging_product: 'whatsapp', to, type: 'template', template: {name,
 * language: {code}, components: [{type: 'body', parameters: [{type: 'text', text}, …]}]}}.
 */
export class WhatsAppChannel implements ChannelSender {
  readonly channel = 'whatsapp' as const;
  readonly #s: WhatsAppSettings;

  constructor(s: WhatsAppSettings) {
    this.#s = s;
  }

  async send(m: OutgoingMessage): Promise<{ providerId: string | null }> {
    const url = `${this.#s.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.#s.phoneNumberId)}/messages`;
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      // The API takes the number with its country code; the digits are what it answers with as wa_id.
      to: m.to.replace(/^\+/, ''),
      type: 'template',
      template: {
        name: m.whatsapp.template,
        language: { code: m.language },
        components: [{ type: 'body', parameters: m.whatsapp.params.map((text) => ({ type: 'text', text })) }],
      },
    };
    const r = await postJson(url, { authorization: `Bearer ${this.#s.token}` }, body, this.#s.timeoutMs ?? 10_000);
    if (r.status >= 200 && r.status < 300) {
      const id = (r.json as { messages?: { id?: string }[] } | null)?.messages?.[0]?.id ?? null;
      return { providerId: id };
    }
    const reason = (r.json as { error?: { message?: string; code?: number } } | null)?.error;
    throw new ChannelError(
      `WhatsApp HTTP ${r.status}${reason ? `: ${reason.message ?? ''}${reason.code ? ` (code ${reason.code})` : ''}` : ''}`,
      { permanent: permanentHttp(r.status), status: r.status },
    );
  }
}

export interface SmsSettings {
  url: string;
  /** The header that carries the token (Authorization, X-API-Key …) and its whole value (e.g. "Bearer …"). */
  authHeader: string;
  token: string;
  /** JSON with "{{to}}" and "{{text}}" among its string values (checked at start-up, see core/config.ts). */
  bodyTemplate: unknown;
  timeoutMs?: number;
}

/** The body template with {{to}} and {{text}} filled in wherever a string holds them. */
export function fillTemplate(template: unknown, values: Record<string, string>): unknown {
  if (typeof template === 'string')
    return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  if (Array.isArray(template)) return template.map((v) => fillTemplate(v, values));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, values)]));
  return template;
}

/** Any SMS gateway that takes a JSON POST: the URL, the auth header and the body's shape are settings. */
export class SmsChannel implements ChannelSender {
  readonly channel = 'sms' as const;
  readonly #s: SmsSettings;

  constructor(s: SmsSettings) {
    this.#s = s;
  }

  async send(m: OutgoingMessage): Promise<{ providerId: string | null }> {
    const headers = this.#s.token ? { [this.#s.authHeader]: this.#s.token } : {};
    const r = await postJson(
      this.#s.url,
      headers,
      fillTemplate(this.#s.bodyTemplate, { to: m.to, text: m.short }),
      this.#s.timeoutMs ?? 10_000,
    );
    if (r.status >= 200 && r.status < 300) {
      const j = r.json as { id?: unknown; messageId?: unknown; message_id?: unknown } | null;
      const id = j?.id ?? j?.messageId ?? j?.message_id;
      return { providerId: id === undefined || id === null ? null : String(id) };
    }
    throw new ChannelError(`SMS gateway HTTP ${r.status}: ${r.text.slice(0, 200)}`, {
      permanent: permanentHttp(r.status),
      status: r.status,
    });
  }
}

/** The customer channels the settings turn on (e-mail with an SMTP host, WhatsApp with a token, SMS with a URL). */
export function channelsFromSettings(s: {
  smtpHost: string;
  smtpPort: number;
  smtpTls: EmailSettings['tls'];
  smtpUser: string;
  smtpPassword: string;
  smtpFrom: string;
  whatsappBaseUrl: string;
  whatsappToken: string;
  whatsappPhoneNumberId: string;
  smsUrl: string;
  smsAuthHeader: string;
  smsToken: string;
  smsBodyTemplate: string;
}): Partial<Record<CustomerChannel, ChannelSender>> {
  const out: Partial<Record<CustomerChannel, ChannelSender>> = {};
  if (s.smtpHost)
    out.email = new EmailChannel({
      host: s.smtpHost,
      port: s.smtpPort,
      tls: s.smtpTls,
      user: s.smtpUser,
      password: s.smtpPassword,
      from: s.smtpFrom,
    });
  if (s.whatsappToken)
    out.whatsapp = new WhatsAppChannel({
      baseUrl: s.whatsappBaseUrl,
      token: s.whatsappToken,
      phoneNumberId: s.whatsappPhoneNumberId,
    });
  if (s.smsUrl)
    out.sms = new SmsChannel({
      url: s.smsUrl,
      authHeader: s.smsAuthHeader,
      token: s.smsToken,
      bodyTemplate: JSON.parse(s.smsBodyTemplate),
    });
  return out;
}
