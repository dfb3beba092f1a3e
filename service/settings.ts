// Which settings the service domain takes, and how: its SQLite file in the data dir (or
// PostgreSQL with DATABASE_URL), the
// customer channels (closed on stop), absolute links in notices, the tracking-link key, the
// WhatsApp templates, the inbound messages' secrets, the webhook allow-list. app.ts hands in the rest (bus, clock, the broker's
// publish) and builds the domain from the answer.

import { join } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { linkKey } from './customers/link-key.ts';
import type { ServiceOptions } from './index.ts';
import { channelsFromSettings } from './notifications/channels.ts';
import type { PublishFn } from './notifications/notifier.ts';

export interface ServiceWiring {
  bus: EventBus;
  log: Logger;
  clock: Clock;
  /** MQTT publish for the technicians' field apps (the broker, once it listens). */
  publish: PublishFn;
  /** The dashboard's own address once it listens ('' before): notices' links when PURNA_PUBLIC_URL is unset. */
  dashboardBase: () => string;
  /** Puts a stop on the wiring's list (stopped in reverse order of registration). */
  onStop: (stop: () => Promise<void> | void) => void;
}

export function serviceOptions(config: Config, w: ServiceWiring): ServiceOptions {
  const customerChannels = channelsFromSettings(config);
  w.onStop(() => {
    for (const c of Object.values(customerChannels)) c.close?.();
  });
  return {
    bus: w.bus,
    log: w.log,
    clock: w.clock,
    dbPath: join(config.dataDir, 'service.db'),
    databaseUrl: config.databaseUrl ?? undefined,
    notifier: { outboundAllow: config.webhookAllowHosts, channels: customerChannels },
    surveyBaseUrl: config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/api/surveys/` : undefined,
    // Notices carry absolute links: the public URL, else the dashboard's own once it listens.
    trackingBaseUrl: () => `${(config.publicUrl ?? w.dashboardBase()).replace(/\/+$/, '')}/api/track/`,
    // Workers on one DATABASE_URL must derive a link's token alike: PURNA_LINK_KEY, the same on all.
    linkKey: config.linkKey ?? linkKey(config.dataDir),
    whatsappTemplates: config.whatsappTemplates,
    inbound: {
      whatsappAppSecret: config.whatsappAppSecret,
      whatsappVerifyToken: config.whatsappVerifyToken,
      emailSecret: config.inboundEmailSecret,
    },
    publish: w.publish,
  };
}
