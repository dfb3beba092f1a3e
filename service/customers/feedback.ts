// What a customer says after a visit closes the loop: every rating and comment goes on the work
// order's history, and one a person must answer — a low rating, "it is not fixed" — opens a
// follow-up task for the planner with the customer's words.

import type { ServiceStores } from '../stores.ts';
import type { FollowUp } from './follow-ups.ts';

/** NPS detractors answer 0–6 (Reichheld's scale: 9–10 promoters, 7–8 passives). */
const NPS_DETRACTOR_MAX = 6;
/** One or two stars of five. */
const LOW_CSAT_MAX = 2;

export function isLowRating(csat: number | null | undefined, nps: number | null | undefined): boolean {
  return (csat != null && csat <= LOW_CSAT_MAX) || (nps != null && nps <= NPS_DETRACTOR_MAX);
}

export interface Feedback {
  workOrderId: string;
  /** The contact who answered on their tracking page; null for the survey link (it goes to the CRM, not a contact). */
  contactId: string | null;
  csat: number | null;
  nps: number | null;
  comment: string | null;
  /** From the tracking page: whether the customer says the work is done. */
  confirmation?: 'done' | 'not_fixed';
}

/** Records feedback on the job and opens the follow-up it calls for, if any. Inside the caller's transaction. */
export function feedbackReceived(stores: ServiceStores, f: Feedback, nowMs: number): FollowUp | null {
  const { orders, registry, contacts, followUps } = stores;
  const wo = orders.require(f.workOrderId);
  const who = f.contactId ? (contacts.get(f.contactId)?.name ?? f.contactId) : 'the customer (survey)';
  const parts = [
    f.confirmation === 'not_fixed'
      ? 'says the problem is NOT fixed'
      : f.confirmation === 'done'
        ? 'confirmed the work is done'
        : 'answered the survey',
    f.csat != null ? `${f.csat}/5 stars` : null,
    f.nps != null ? `NPS ${f.nps}` : null,
  ].filter((p): p is string => p !== null);
  const note = `${who} ${parts.join(', ')}${f.comment ? `: “${f.comment}”` : ''}`;
  orders.addNote(wo.id, f.contactId ? `customer:${f.contactId}` : 'customer:survey', nowMs, note);
  const reason = f.confirmation === 'not_fixed' ? 'not_fixed' : isLowRating(f.csat, f.nps) ? 'low_rating' : null;
  if (!reason) return null;
  return followUps.open(
    {
      reason,
      workOrderId: wo.id,
      customerId: registry.getDevice(wo.deviceId)?.customerId ?? null,
      contactId: f.contactId,
      csat: f.csat,
      nps: f.nps,
      comment: f.comment,
    },
    nowMs,
  );
}
