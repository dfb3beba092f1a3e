import { inTransaction, prepared } from '../db.ts';
import { createHmac, randomUUID } from 'node:crypto';
import type { SqlDb } from '../../sql/sql-db.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { every, type PeriodicJob } from '../../core/periodic.ts';
import { topics } from '../../core/topics.ts';
import { settings } from '../../core/config.ts';
import type { NoticeKind } from '../../core/types.ts';
import { badRequest, CUSTOMER_CHANNELS, notFound, type CustomerChannel } from '../types.ts';
import { ChannelError, type ChannelSender, type OutgoingMessage } from './channels.ts';
import { OutboundAddressPolicy, OutboundRefused, type Resolve } from './outbound-address.ts';
import { postPinned } from './pinned-post.ts';
import { quietUntil, type QuietWindow } from './quiet-hours.ts';

/** Publishes to the MQTT broker (the lead wires it to the embedded broker or an MQTT client). */
export type PublishFn = (topic: string, payload: string) => void | Promise<void>;

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key shared with the receiver; never returned by the API, never logged. */
  secret: string;
  /** Event names to send ('workOrder.assigned', 'survey.answered', …) or ['*']. */
  events?: string[];
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  createdAtMs: number;
}

export type DeliveryChannel = 'webhook' | 'mqtt' | CustomerChannel;

export interface Delivery {
  id: number;
  channel: DeliveryChannel;
  target: string;
  event: string;
  eventId: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAtMs: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAtMs: number;
  deliveredAtMs: number | null;
}

export { NOTICE_KINDS, type NoticeKind } from '../../core/types.ts';
/** The WhatsApp template names when none are configured (core/config.ts's default; each must be approved in WhatsApp Manager). */
export const DEFAULT_WHATSAPP_TEMPLATES: Readonly<Record<NoticeKind, string>> = settings.whatsappTemplates.default;

/** What the outbox keeps of a customer message until it is sent (and after, as the record). */
export interface CustomerMessagePayload {
  message: OutgoingMessage;
  /** The tracking link's id: its URL is made at sending time and never stored (see customers/tracking-links.ts). */
  linkId: string | null;
  /** The contact's quiet hours in the job's site's zone; a retry that would fall in them waits. */
  quiet: QuietWindow | null;
}

/** One notice for one contact about one job (or a device: a warranty ending), as the outbox is asked to send it. */
export interface CustomerMessage {
  /** Null for a notice about a device rather than a job (coverage_ending). */
  workOrderId: string | null;
  contactId: string;
  notice: NoticeKind;
  channel: CustomerChannel;
  payload: CustomerMessagePayload;
  /** Sent even in the contact's quiet hours. */
  urgent: boolean;
  /** Not worth sending after this (a "technician en route" a day late): then dead, with the reason. */
  expiresAtMs: number;
  /** Set when the message cannot go at all (no channel configured, no address): recorded dead at once. */
  refused?: string;
}

/** A customer message on the record: the delivery, whom it went to, and what it said (the link left out). */
export interface CustomerMessageRecord extends Delivery {
  channel: CustomerChannel;
  workOrderId: string | null;
  contactId: string;
  notice: NoticeKind;
  urgent: boolean;
  heldUntilMs: number | null;
  expiresAtMs: number | null;
  providerMessageId: string | null;
  language: string;
  subject: string;
  text: string;
  /** Filled in by the customers room (the outbox knows addresses, not people). */
  contactName?: string;
}

/** Where the link goes in a message until it is sent: replaced by the contact's own URL. */
export const LINK_PLACEHOLDER = '{{tracking_link}}';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const isCustomerChannel = (c: string): c is CustomerChannel => (CUSTOMER_CHANNELS as readonly string[]).includes(c);

/** How often the loop prunes the delivery log (real deployments poll every second). */
const PRUNE_EVERY_MS = 3600_000;

interface DueRow {
  id: number;
  channel: string;
  target: string;
  event: string;
  payload: string;
  attempts: number;
  urgent: number;
  expires_at_ms: number | null;
  url: string | null;
  secret: string | null;
}

export interface NotifierOptions {
  db: SqlDb;
  log: Logger;
  clock: Clock;
  publish?: PublishFn;
  /** First retry delay; each further failure doubles it (exponential backoff) up to maxRetryDelayMs. */
  baseRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How often the outbox is scanned for due deliveries, ms (real time). 0 = never by itself (tests call processDue). */
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
  /** Delivered and dead deliveries (with their attempts) are kept this long, then pruned. Default 30 days. */
  retainFinishedMs?: number;
  /**
   * Host names, addresses and CIDR ranges webhooks may reach although they are internal
   * (PURNA_WEBHOOK_ALLOW_HOSTS); everything else internal is refused at creation and delivery.
   */
  outboundAllow?: readonly string[];
  /** DNS for webhook hosts (default: the system resolver, as `dns.lookup`). */
  resolve?: Resolve;
  /** The customer channels that are configured (see channels.ts); a message for another is recorded as not sent. */
  channels?: Partial<Record<CustomerChannel, ChannelSender>>;
  /** The URL of a tracking link, made when a message is sent (the token never rests in the store). */
  linkUrl?: (linkId: string) => string;
}

/** Signature header value: `sha256=<hex HMAC of "<timestamp>.<body>">`, as Stripe/GitHub-style receivers verify it. */
export function signPayload(secret: string, timestampMs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex')}`;
}

/**
 * The durable notification outbox. Notifications are written to SQLite in the same transaction
 * as the change they announce, then delivered by a loop: a webhook POST signed with HMAC-SHA256,
 * or an MQTT publish to the technician's dispatch topic. A failure is logged and retried with
 * exponential backoff (capped), never dropped: the row stays pending until a delivery succeeds,
 * across restarts. Delivery is at-least-once; receivers deduplicate on X-Purna-Delivery.
 */
export class Notifier {
  readonly #db: SqlDb;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #publish: PublishFn | undefined;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  readonly #retainMs: number;
  readonly #outbound: OutboundAddressPolicy;
  readonly #channels: Partial<Record<CustomerChannel, ChannelSender>>;
  readonly #linkUrl: (linkId: string) => string;
  #lastPruneMs = -Infinity;
  #job: PeriodicJob | null = null;
  #running: Promise<number> | null = null;
  #stopped = true;

  constructor(opts: NotifierOptions) {
    this.#db = opts.db;
    this.#log = opts.log;
    this.#clock = opts.clock;
    this.#publish = opts.publish;
    this.#baseMs = opts.baseRetryDelayMs ?? 1000;
    this.#maxMs = opts.maxRetryDelayMs ?? 15 * 60_000;
    this.#pollMs = opts.pollIntervalMs ?? 1000;
    this.#timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.#retainMs = opts.retainFinishedMs ?? 30 * 24 * 3600_000;
    this.#outbound = new OutboundAddressPolicy({ allow: opts.outboundAllow, resolve: opts.resolve });
    this.#channels = opts.channels ?? {};
    this.#linkUrl = opts.linkUrl ?? ((id) => `/api/track/${id}`);
  }

  /** Whether a customer channel is configured. */
  hasChannel(channel: CustomerChannel): boolean {
    return this.#channels[channel] !== undefined;
  }

  start(): void {
    this.#stopped = false;
    if (this.#pollMs > 0) {
      this.#job = every('notification outbox', this.#pollMs, () => this.processDue(), this.#log);
    }
  }

  /** Stops the loop; an attempt in flight finishes without touching the store and is retried after restart. */
  stop(): void {
    this.#stopped = true;
    this.#job?.stop();
    this.#job = null;
  }

  // ── webhook configuration ──

  addWebhook(cfg: WebhookConfig): Webhook {
    let url: URL;
    try {
      url = new URL(cfg.url);
    } catch {
      throw badRequest(`webhook url '${cfg.url}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('webhook url must be http(s)');
    if (cfg.secret.length < 16) throw badRequest('webhook secret must be at least 16 characters');
    const events = cfg.events?.length ? cfg.events : ['*'];
    // Same URL configured again (options on every start): update it in place, keep its id and queue.
    const existing = prepared(this.#db, 'SELECT id FROM webhooks WHERE url = ?').get(cfg.url) as
      | { id: string }
      | undefined;
    const id = existing?.id ?? `wh-${randomUUID().slice(0, 8)}`;
    prepared(
      this.#db,
      `INSERT INTO webhooks (id, url, secret, events, active, created_at_ms) VALUES (?, ?, ?, ?, 1, ?)
      ON CONFLICT(id) DO UPDATE SET secret = excluded.secret, events = excluded.events, active = 1`,
    ).run(id, cfg.url, cfg.secret, events.join(','), this.#clock.nowMs());
    return this.getWebhook(id)!;
  }

  /**
   * Refuses (400) a webhook URL whose host is or resolves to an internal address the allow-list
   * does not name. The API checks before addWebhook; delivery checks again (DNS changes).
   */
  async checkWebhookUrl(url: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest(`webhook url '${url}' is not a URL`);
    }
    try {
      await this.#outbound.check(parsed);
    } catch (err) {
      if (err instanceof OutboundRefused) throw badRequest(`webhook url refused: ${err.message}`);
      throw err;
    }
  }

  removeWebhook(id: string): void {
    // Deactivate rather than delete: the delivery log keeps pointing at it.
    const r = prepared(this.#db, 'UPDATE webhooks SET active = 0 WHERE id = ?').run(id);
    if (r.changes === 0) throw notFound('webhook', id);
    // What was still queued for it will never be wanted: close it as 'dead' (kept in the log,
    // visible with GET /deliveries?state=dead) rather than retrying forever against a receiver
    // the operator has switched off.
    prepared(
      this.#db,
      "UPDATE deliveries SET state = 'dead', last_error = 'webhook removed' WHERE channel = 'webhook' AND target = ? AND state = 'pending'",
    ).run(id);
  }

  getWebhook(id: string): Webhook | undefined {
    const r = prepared(this.#db, 'SELECT id, url, events, active, created_at_ms FROM webhooks WHERE id = ?').get(id) as
      | { id: string; url: string; events: string; active: number; created_at_ms: number }
      | undefined;
    return r
      ? { id: r.id, url: r.url, events: r.events.split(','), active: r.active === 1, createdAtMs: r.created_at_ms }
      : undefined;
  }

  listWebhooks(): Webhook[] {
    const ids = prepared(this.#db, 'SELECT id FROM webhooks ORDER BY created_at_ms, id').all() as { id: string }[];
    return ids.map((r) => this.getWebhook(r.id)!);
  }

  // ── the outbox ──

  /**
   * Queues `event` for every active webhook subscribed to it, and for the technicians' MQTT
   * topics given. Call inside the transaction of the change it announces.
   */
  enqueue(event: string, data: unknown, technicianIds: readonly string[] = []): void {
    const now = this.#clock.nowMs();
    const eventId = randomUUID();
    const payload = JSON.stringify({ id: eventId, event, occurredAtMs: now, data });
    const insert = prepared(
      this.#db,
      `INSERT INTO deliveries (channel, target, event, event_id, payload, state, attempts, next_attempt_at_ms, created_at_ms)
      VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    );
    const hooks = prepared(this.#db, 'SELECT id, events FROM webhooks WHERE active = 1').all() as {
      id: string;
      events: string;
    }[];
    for (const h of hooks) {
      const subscribed = h.events.split(',');
      if (subscribed.includes('*') || subscribed.includes(event))
        insert.run('webhook', h.id, event, eventId, payload, now, now);
    }
    if (this.#publish) {
      for (const t of new Set(technicianIds))
        insert.run('mqtt', topics.technicianDispatch(t), event, eventId, payload, now, now);
    }
    this.#passNow();
  }

  /**
   * Queues a notice for a customer's contact, once per (job, notice, contact): a second call for
   * the same three is ignored (a re-plan, a retried command). Held until the contact's quiet
   * hours end unless urgent. A message that cannot go (`refused`) is recorded as dead with the
   * reason, so the job shows why the customer heard nothing. Call inside the change's transaction.
   * Returns whether a row was written.
   */
  enqueueCustomer(m: CustomerMessage): boolean {
    const now = this.#clock.nowMs();
    const held = m.urgent || m.refused ? null : quietUntil(now, m.payload.quiet);
    const r = prepared(
      this.#db,
      `INSERT OR IGNORE INTO deliveries (channel, target, event, event_id, payload, state, attempts, next_attempt_at_ms, last_error,
        created_at_ms, work_order_id, contact_id, notice, urgent, held_until_ms, expires_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      m.channel,
      m.payload.message.to,
      `notice.${m.notice}`,
      randomUUID(),
      JSON.stringify(m.payload),
      m.refused ? 'dead' : 'pending',
      held ?? now,
      m.refused ? `not sent: ${m.refused}` : null,
      now,
      m.workOrderId,
      m.contactId,
      m.notice,
      m.urgent ? 1 : 0,
      held,
      Math.max(m.expiresAtMs, held ?? 0),
    );
    if (r.changes > 0 && !m.refused && held === null) this.#passNow();
    return r.changes > 0;
  }

  /** The customer messages about a job, or to any of `contactIds`, newest first. */
  customerMessages(filter: {
    workOrderId?: string;
    contactIds?: readonly string[];
    limit?: number;
  }): CustomerMessageRecord[] {
    const where: string[] = [`channel IN (${CUSTOMER_CHANNELS.map((c) => `'${c}'`).join(', ')})`];
    const args: (string | number)[] = [];
    if (filter.workOrderId) {
      where.push('work_order_id = ?');
      args.push(filter.workOrderId);
    }
    if (filter.contactIds) {
      if (!filter.contactIds.length) return [];
      where.push(`contact_id IN (${filter.contactIds.map(() => '?').join(', ')})`);
      args.push(...filter.contactIds);
    }
    args.push(filter.limit ?? 500);
    const rows = prepared(
      this.#db,
      `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
    ).all(...args) as Record<string, unknown>[];
    return rows.map((r) => {
      const payload = JSON.parse(r.payload as string) as CustomerMessagePayload;
      return {
        ...toDelivery(r),
        channel: r.channel as CustomerChannel,
        workOrderId: r.work_order_id as string,
        contactId: r.contact_id as string,
        notice: r.notice as NoticeKind,
        urgent: r.urgent === 1,
        heldUntilMs: r.held_until_ms as number | null,
        expiresAtMs: r.expires_at_ms as number | null,
        providerMessageId: r.provider_message_id as string | null,
        language: payload.message.language,
        subject: payload.message.subject,
        // What it said, without the link: the record shows the news, not a working token.
        text: (r.channel === 'email' ? payload.message.text : payload.message.short).replaceAll(
          LINK_PLACEHOLDER,
          '[link]',
        ),
      };
    });
  }

  listDeliveries(filter: { state?: string; limit?: number } = {}): Delivery[] {
    const rows = prepared(
      this.#db,
      `SELECT id, channel, target, event, event_id, state, attempts, next_attempt_at_ms, last_status, last_error,
        created_at_ms, delivered_at_ms FROM deliveries ${filter.state ? 'WHERE state = ?' : ''} ORDER BY id DESC LIMIT ?`,
    ).all(...(filter.state ? [filter.state, filter.limit ?? 200] : [filter.limit ?? 200])) as Record<string, unknown>[];
    return rows.map(toDelivery);
  }

  deliveryAttempts(deliveryId: number): { atMs: number; status: number | null; error: string | null; ok: boolean }[] {
    return (
      prepared(
        this.#db,
        'SELECT at_ms, status, error, ok FROM delivery_attempts WHERE delivery_id = ? ORDER BY id',
      ).all(deliveryId) as { at_ms: number; status: number | null; error: string | null; ok: number }[]
    ).map((a) => ({ atMs: a.at_ms, status: a.status, error: a.error, ok: a.ok === 1 }));
  }

  /**
   * Deletes delivered and dead deliveries older than the retention, with their attempts: every
   * work-order change adds a row per webhook and technician, and a log nobody reads after a
   * month should not grow the store forever. Pending rows are never pruned, nor are messages to
   * customers: they are the customer's record of what we told them (a few per job). Returns how many.
   */
  pruneFinished(): number {
    const now = this.#clock.nowMs();
    this.#lastPruneMs = now;
    const before = now - this.#retainMs;
    const finished =
      "state != 'pending' AND channel IN ('webhook', 'mqtt') AND COALESCE(delivered_at_ms, created_at_ms) < ?";
    return inTransaction(this.#db, () => {
      prepared(
        this.#db,
        `DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE ${finished})`,
      ).run(before);
      return Number(prepared(this.#db, `DELETE FROM deliveries WHERE ${finished}`).run(before).changes);
    });
  }

  /** Makes a pending delivery due now (an operator's "retry now"). */
  retryNow(deliveryId: number): void {
    const r = prepared(this.#db, "UPDATE deliveries SET next_attempt_at_ms = ? WHERE id = ? AND state = 'pending'").run(
      this.#clock.nowMs(),
      deliveryId,
    );
    if (r.changes === 0) throw notFound('pending delivery', String(deliveryId));
    this.#passNow();
  }

  /** A pass now rather than at the next poll; if it fails, that is logged and the poll tries again. */
  #passNow(): void {
    if (this.#stopped) return;
    setImmediate(() =>
      this.processDue().catch((err) =>
        this.#log.error({ err }, 'notification outbox pass failed; the next poll tries again'),
      ),
    );
  }

  /** Attempts every due delivery once; resolves to how many were delivered. One run at a time. */
  processDue(): Promise<number> {
    if (this.#running) return this.#running;
    this.#running = this.#runOnce().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * One pass over the due rows. Rows are grouped by target (a webhook, a technician's topic):
   * targets run side by side, each in order, so a CRM that hangs until the request timeout
   * does not hold back a technician's dispatch. Inside a target the pass stops at the first
   * failure: the rest stay due for the next pass instead of each waiting out the same timeout
   * against a receiver that is down.
   */
  async #runOnce(): Promise<number> {
    if (!this.#db.isOpen) return 0;
    if (this.#clock.nowMs() - this.#lastPruneMs >= PRUNE_EVERY_MS) this.pruneFinished();
    const due = prepared(
      this.#db,
      `SELECT d.id, d.channel, d.target, d.event, d.payload, d.attempts, d.urgent, d.expires_at_ms, w.url, w.secret
        FROM deliveries d LEFT JOIN webhooks w ON d.channel = 'webhook' AND w.id = d.target
        WHERE d.state = 'pending' AND d.next_attempt_at_ms <= ? ORDER BY d.next_attempt_at_ms, d.id LIMIT 100`,
    ).all(this.#clock.nowMs()) as unknown as DueRow[];
    const byTarget = new Map<string, DueRow[]>();
    for (const d of due) {
      const key = `${d.channel}\u0000${d.target}`;
      const rows = byTarget.get(key);
      if (rows) rows.push(d);
      else byTarget.set(key, [d]);
    }
    const counts = await Promise.all(
      [...byTarget.values()].map(async (rows) => {
        let delivered = 0;
        for (const d of rows) {
          const ok = await this.#attempt(d);
          if (ok === null) break; // stopped meanwhile
          if (!ok) break;
          delivered++;
        }
        return delivered;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Delivers one row and records the attempt; null when the store closed meanwhile (left pending). */
  async #attempt(d: DueRow): Promise<boolean | null> {
    let ok = false;
    let status: number | null = null;
    let error: string | null = null;
    let permanent = false;
    let providerId: string | null = null;
    const customer = isCustomerChannel(d.channel) ? (JSON.parse(d.payload) as CustomerMessagePayload) : null;
    if (customer && d.expires_at_ms !== null && this.#clock.nowMs() > d.expires_at_ms) {
      prepared(this.#db, "UPDATE deliveries SET state = 'dead', last_error = ? WHERE id = ? AND state = 'pending'").run(
        `expired: not sent by ${new Date(d.expires_at_ms).toISOString()}, when it stopped being news${d.attempts ? ' (see the attempts)' : ''}`,
        d.id,
      );
      return false;
    }
    try {
      if (customer) {
        const sender = this.#channels[d.channel as CustomerChannel];
        if (!sender) throw new ChannelError(`${d.channel} is not configured`, { permanent: true });
        providerId = (await sender.send(this.#withLink(customer))).providerId;
        ok = true;
      } else if (d.channel === 'webhook') {
        if (!d.url || !d.secret) throw new Error('webhook no longer configured');
        status = await this.#post(d.url, d.secret, d.id, d.event, d.payload);
        ok = status >= 200 && status < 300;
        if (!ok) error = `HTTP ${status}`;
      } else {
        if (!this.#publish) throw new Error('no MQTT publisher configured');
        await this.#publish(d.target, d.payload);
        ok = true;
      }
    } catch (err) {
      // A refused target was never contacted: nothing about it (open port or not) enters the log.
      error =
        err instanceof OutboundRefused
          ? `refused, nothing sent: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err);
      if (err instanceof ChannelError) {
        permanent = err.permanent;
        status = err.status;
      }
    }
    // stop() closed the store meanwhile: leave the row pending; it is retried after the next start.
    if (!this.#db.isOpen) return null;
    const now = this.#clock.nowMs();
    const attempts = d.attempts + 1;
    prepared(
      this.#db,
      'INSERT INTO delivery_attempts (delivery_id, at_ms, status, error, ok) VALUES (?, ?, ?, ?, ?)',
    ).run(d.id, now, status, error, ok ? 1 : 0);
    if (ok) {
      prepared(
        this.#db,
        "UPDATE deliveries SET state = 'delivered', attempts = ?, last_status = ?, last_error = NULL, delivered_at_ms = ?, provider_message_id = ? WHERE id = ? AND state = 'pending'",
      ).run(attempts, status, now, providerId, d.id);
    } else if (permanent) {
      // The provider will never take this one (a bad address, an unknown number): no retries, the job shows why.
      prepared(
        this.#db,
        "UPDATE deliveries SET state = 'dead', attempts = ?, last_status = ?, last_error = ? WHERE id = ? AND state = 'pending'",
      ).run(attempts, status, error, d.id);
      this.#log.warn(
        { delivery: d.id, channel: d.channel, event: d.event, attempts, status, error },
        'customer message refused for good; not retried',
      );
    } else {
      const delayMs = Math.min(this.#maxMs, this.#baseMs * 2 ** (attempts - 1));
      // A customer's retry that would land in their quiet hours waits for them to end (urgent ones do not).
      const held = customer && d.urgent !== 1 ? quietUntil(now + delayMs, customer.quiet) : null;
      prepared(
        this.#db,
        "UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at_ms = ?, held_until_ms = COALESCE(?, held_until_ms) WHERE id = ? AND state = 'pending'",
      ).run(attempts, status, error, held ?? now + delayMs, held, d.id);
      this.#log.warn(
        {
          delivery: d.id,
          channel: d.channel,
          event: d.event,
          attempts,
          status,
          error,
          retryInMs: (held ?? now + delayMs) - now,
        },
        'notification delivery failed; will retry',
      );
    }
    return ok;
  }

  /** The message with the contact's own tracking URL where the link goes. */
  #withLink(p: CustomerMessagePayload): OutgoingMessage {
    const url = p.linkId ? this.#linkUrl(p.linkId) : '';
    const fill = (s: string) => s.replaceAll(LINK_PLACEHOLDER, url);
    const m = p.message;
    return {
      ...m,
      subject: fill(m.subject),
      text: fill(m.text),
      html: m.html.replaceAll(LINK_PLACEHOLDER, escapeHtml(url)),
      short: fill(m.short),
      whatsapp: { template: m.whatsapp.template, params: m.whatsapp.params.map(fill) },
    };
  }

  async #post(url: string, secret: string, deliveryId: number, event: string, body: string): Promise<number> {
    // Checked at every attempt, and the connection goes to the address checked (no rebinding).
    const target = await this.#outbound.check(new URL(url));
    const ts = this.#clock.nowMs();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'purna-webhooks/1',
      'x-purna-event': event,
      'x-purna-delivery': String(deliveryId),
      'x-purna-timestamp': String(ts),
      'x-purna-signature': signPayload(secret, ts, body),
    };
    return postPinned(target, headers, body, this.#timeoutMs);
  }
}

function toDelivery(r: Record<string, unknown>): Delivery {
  return {
    id: r.id as number,
    channel: r.channel as DeliveryChannel,
    target: r.target as string,
    event: r.event as string,
    eventId: r.event_id as string,
    state: r.state as Delivery['state'],
    attempts: r.attempts as number,
    nextAttemptAtMs: r.next_attempt_at_ms as number,
    lastStatus: r.last_status as number | null,
    lastError: r.last_error as string | null,
    createdAtMs: r.created_at_ms as number,
    deliveredAtMs: r.delivered_at_ms as number | null,
  };
}
