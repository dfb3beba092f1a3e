// What the customer page reads from GET /api/customers/:id (service/customers/customer-record.ts).
import type { Language } from '../../core/i18n/index.ts';
import type { CustomerChannel } from '../../core/types.ts';
import type { WorkOrderView } from './state.ts';
import type { FollowUpView, InboundView } from './views/customer-voice.ts';

export interface Contact {
  id: string;
  customerId: string;
  siteId: string | null;
  name: string;
  role: string | null;
  phone: string | null;
  email: string | null;
  preferredChannel: CustomerChannel;
  language: Language;
  quietHours: { from: string; to: string } | null;
  receivesNotices: boolean;
  active: boolean;
}

/** A notice to a contact about a job, as GET /api/work-orders/:id/messages and the customer record give it. */
export interface MessageView {
  id: number;
  channel: CustomerChannel;
  target: string;
  workOrderId: string;
  contactId: string;
  contactName?: string;
  notice: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAtMs: number;
  heldUntilMs: number | null;
  lastError: string | null;
  createdAtMs: number;
  deliveredAtMs: number | null;
  subject: string;
  text: string;
}

export interface CustomerRecordView {
  customer: { id: string; name: string; email: string | null; phone: string | null };
  sites: { id: string; name: string; city: string; timeZone: string }[];
  contacts: Contact[];
  devices: {
    id: string;
    modelId: string;
    siteName: string | null;
    timeZone: string | null;
    installDateMs: number;
    warrantyEndMs: number;
    warrantyActive: boolean;
    contractTier: string;
  }[];
  workOrders: (WorkOrderView & { createdAtMs: number })[];
  messages: MessageView[];
  inbound: InboundView[];
  followUps: FollowUpView[];
  ratings: {
    workOrderId: string;
    deviceId: string;
    answeredAtMs: number;
    csat: number;
    nps: number | null;
    comment: string | null;
  }[];
}
