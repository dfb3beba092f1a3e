// What the customer page reads from GET /api/customers/:id (service/customers/customer-record.ts).
import type { Language } from '../../core/i18n/index.ts';
import type { CustomerChannel } from '../../core/types.ts';
import type { WorkOrderView } from './state.ts';

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

export interface CustomerRecordView {
  customer: { id: string; name: string; email: string | null; phone: string | null };
  sites: { id: string; name: string; city: string; timeZone: string }[];
  contacts: Contact[];
  devices: { id: string; modelId: string; siteName: string | null; timeZone: string | null; installDateMs: number; warrantyEndMs: number; warrantyActive: boolean; contractTier: string }[];
  workOrders: (WorkOrderView & { createdAtMs: number })[];
  ratings: { workOrderId: string; deviceId: string; answeredAtMs: number; csat: number; nps: number | null; comment: string | null }[];
}
