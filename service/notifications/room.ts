// The notifications room as callers see it (`service.notifications`): webhooks, the delivery log
// and the notices a job's customer contacts were sent. The outbox itself is notifier.ts.

import type { ServiceStores } from '../stores.ts';
import type { CustomerMessageRecord, Delivery, Notifier, Webhook, WebhookConfig } from './notifier.ts';

export class NotificationsRoom {
  readonly #stores: ServiceStores;

  constructor(stores: ServiceStores) {
    this.#stores = stores;
  }

  get #notifier(): Notifier {
    return this.#stores.notifier;
  }

  listWebhooks(): Webhook[] {
    return this.#notifier.listWebhooks();
  }
  /** Adds a webhook once its address passed the outbound check (internal addresses: 400; see outbound-address.ts). */
  async addWebhook(cfg: WebhookConfig): Promise<Webhook> {
    await this.#notifier.checkWebhookUrl(cfg.url);
    return this.#notifier.addWebhook(cfg);
  }
  removeWebhook(id: string): void {
    this.#notifier.removeWebhook(id);
  }
  listDeliveries(filter: { state?: string; limit?: number } = {}): Delivery[] {
    return this.#notifier.listDeliveries(filter);
  }
  deliveryAttempts(id: number): ReturnType<Notifier['deliveryAttempts']> {
    return this.#notifier.deliveryAttempts(id);
  }
  retryDelivery(id: number): void {
    this.#notifier.retryNow(id);
  }
  /** Every notice to the customer's contacts about a job: sent, held for quiet hours, failed or not sent, and why. */
  workOrderMessages(id: string): CustomerMessageRecord[] {
    const { orders, contacts } = this.#stores;
    return this.#notifier
      .customerMessages({ workOrderId: orders.require(id).id })
      .map((m) => ({ ...m, contactName: contacts.get(m.contactId)?.name }));
  }
}
