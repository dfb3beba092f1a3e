// Which channel reaches a customer's contact, for the notices composed outside customers/notices.ts
// (a warranty ending, a quote to approve): the same rule as the job notices.

import { parsePhone } from '../customers/contact-fields.ts';
import type { ContactRecord } from '../customers/contacts.ts';
import type { CustomerChannel } from '../types.ts';

/**
 * The contact's preferred channel when configured and they have its address, else the first that
 * is (e-mail, WhatsApp, SMS) — the rule of the job notices (customers/notices.ts).
 */
export function channelFor(
  c: ContactRecord,
  configured: (ch: CustomerChannel) => boolean,
): { ok: true; channel: CustomerChannel; to: string } | { ok: false; reason: string } {
  const mobile = c.phone !== null && parsePhone(c.phone).mobile;
  const addressOf = (ch: CustomerChannel) => (ch === 'email' ? c.email : mobile ? c.phone : null);
  for (const ch of [
    c.preferredChannel,
    ...(['email', 'whatsapp', 'sms'] as const).filter((x) => x !== c.preferredChannel),
  ]) {
    const to = addressOf(ch);
    if (to && configured(ch)) return { ok: true, channel: ch, to };
  }
  return { ok: false, reason: `no configured channel has an address for ${c.name}` };
}
