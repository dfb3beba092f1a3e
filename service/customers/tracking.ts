// The customer's tracking page behind a link in their notices: where their job stands, who comes
// and when, and, once it is done, their confirmation and rating (the survey folds into it). Only
// the job of the link: nothing about the customer's other jobs or devices.

import type { Clock } from '../../core/clock.ts';
import { isLanguage, t, type Language } from '../../core/i18n/index.ts';
import type { WorkOrderState } from '../../core/work-order-states.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, ServiceError, type ServiceWorkOrder } from '../types.ts';
import { feedbackReceived } from './feedback.ts';
import type { FollowUp } from './follow-ups.ts';
import type { NoticeFacts } from './notice-text.ts';
import { arrivalWindow, noticeFacts } from './notices.ts';
import { TRACKING_TTL_AFTER_CLOSE_MS, type TrackingAnswer, type TrackingLink } from './tracking-links.ts';

/** The steps a customer sees; `acknowledged` is the technician's business and folds into `planned`. */
export type TrackingStep = 'reported' | 'planned' | 'en_route' | 'on_site' | 'resolved' | 'cancelled';
const STEP_OF: Partial<Record<WorkOrderState, TrackingStep>> = {
  open: 'reported',
  assigned: 'planned',
  en_route: 'en_route',
  on_site: 'on_site',
  resolved: 'resolved',
  cancelled: 'cancelled',
};
const STEPS: readonly TrackingStep[] = ['reported', 'planned', 'en_route', 'on_site', 'resolved'];

export interface TrackingView {
  workOrderId: string;
  state: WorkOrderState;
  /** The step the job is at now. */
  step: TrackingStep;
  /** Every step in order, with when it was reached (null: not yet). A cancelled job ends at `cancelled`. */
  timeline: { step: TrackingStep; atMs: number | null }[];
  /** The language of the contact the link belongs to (the page's default). */
  contactLanguage: Language;
  /** What the notices say of the job: the finding, technician's first name, arrival window, part, warranty, site's zone. */
  facts: NoticeFacts;
  resolvedAtMs: number | null;
  /** After resolution, until the customer answers: the page asks for confirmation and a rating. */
  canAnswer: boolean;
}

/** Why a link opens nothing, in the words of its contact's language (null: unknown link, no contact to ask). */
export type TrackingRefusal =
  | { status: 404; reason: 'unknown' }
  | { status: 410; reason: 'used' | 'expired'; language: Language };

export type TrackingOpen = { ok: true; view: TrackingView } | ({ ok: false } & TrackingRefusal);

export class CustomerTracking {
  readonly #s: ServiceStores;
  readonly #clock: Clock;

  constructor(stores: ServiceStores, clock: Clock) {
    this.#s = stores;
    this.#clock = clock;
  }

  open(token: string): TrackingOpen {
    const now = this.#clock.nowMs();
    const found = this.#check(token, now);
    if (!found.ok) return found;
    return { ok: true, view: this.#view(found.link, found.order, found.language, now) };
  }

  /**
   * The customer's word after the visit: confirmed done (stars required) or not fixed, with an
   * optional recommendation score and comment. Once per link (410 afterwards); 409 before the job
   * is resolved. The stars answer the job's survey when it is still open; a low rating or "not
   * fixed" opens a follow-up task for the planner.
   */
  answer(token: string, a: TrackingAnswer): { link: TrackingLink; followUp: FollowUp | null; language: Language } {
    const now = this.#clock.nowMs();
    if (a.confirmation === 'done' && a.csat === undefined)
      throw badRequest('csat: how many stars (1–5) the visit earns');
    return inTransaction(this.#s.db, () => {
      const found = this.#check(token, now);
      if (!found.ok) throw refusalError(found);
      const { link, order } = found;
      if (order.state !== 'resolved')
        throw conflict(`work order is ${order.state}: the work can be confirmed once the technician has finished`);
      const comment = a.comment?.trim() || null;
      if (!this.#s.links.confirm(link.id, { ...a, comment: comment ?? undefined }, now))
        throw refusalError({ status: 410, reason: 'used', language: found.language });
      if (a.csat !== undefined) {
        const answered = this.#s.surveys.answerForWorkOrder(
          order.id,
          { csat: a.csat, nps: a.nps ?? null, comment },
          now,
        );
        if (answered) this.#s.notifier.enqueue('survey.answered', this.#s.surveys.forWorkOrder(order.id));
      }
      const followUp = feedbackReceived(
        this.#s,
        {
          workOrderId: order.id,
          contactId: link.contactId,
          csat: a.csat ?? null,
          nps: a.nps ?? null,
          comment,
          confirmation: a.confirmation,
        },
        now,
      );
      return { link: this.#s.links.get(link.id)!, followUp, language: found.language };
    });
  }

  #check(
    token: string,
    now: number,
  ): { ok: true; link: TrackingLink; order: ServiceWorkOrder; language: Language } | ({ ok: false } & TrackingRefusal) {
    const link = this.#s.links.byToken(token);
    if (!link) return { ok: false, status: 404, reason: 'unknown' };
    const order = this.#s.orders.require(link.workOrderId);
    const contactLanguage = this.#s.contacts.get(link.contactId)?.language;
    const language: Language = isLanguage(contactLanguage) ? contactLanguage : 'id';
    if (link.confirmedAtMs !== null) return { ok: false, status: 410, reason: 'used', language };
    const closedAt = order.resolvedAtMs ?? order.cancelledAtMs;
    if (closedAt !== null && now > closedAt + TRACKING_TTL_AFTER_CLOSE_MS)
      return { ok: false, status: 410, reason: 'expired', language };
    return { ok: true, link, order, language };
  }

  #view(link: TrackingLink, o: ServiceWorkOrder, language: Language, now: number): TrackingView {
    const contact = this.#s.contacts.get(link.contactId);
    // The last time the job entered each state (a declined job is assigned again).
    const reached = new Map<TrackingStep, number>([['reported', o.createdAtMs]]);
    for (const e of this.#s.orders.history(o.id)) {
      const step = STEP_OF[e.toState];
      if (step && e.fromState !== e.toState && step !== 'reported') reached.set(step, e.atMs);
    }
    // Back to open after a decline: the plan is gone until the dispatcher finds someone else.
    if (o.state === 'open') for (const s of ['planned', 'en_route', 'on_site'] as const) reached.delete(s);
    const step = o.state === 'acknowledged' ? 'planned' : STEP_OF[o.state]!;
    const steps = o.state === 'cancelled' ? [...STEPS.filter((s) => reached.has(s)), 'cancelled' as const] : STEPS;
    const facts = noticeFacts(this.#s, 'visit_planned', o, { name: contact?.name ?? '' }, now);
    // On the way: the window as the "on the way" notice gave it (from when they set off), not one moving with the clock.
    if (o.state === 'en_route') facts.arrival = arrivalWindow('en_route', o, reached.get('en_route') ?? now);
    else if (o.state !== 'assigned' && o.state !== 'acknowledged') facts.arrival = null;
    return {
      workOrderId: o.id,
      state: o.state,
      step,
      timeline: steps.map((s) => ({ step: s, atMs: reached.get(s) ?? null })),
      contactLanguage: language,
      facts,
      resolvedAtMs: o.resolvedAtMs,
      canAnswer: o.state === 'resolved',
    };
  }
}

/**
 * The error an API client gets for a link that opens nothing, its message in the contact's
 * language (a browser gets a page saying the same; see tracking-routes.ts).
 */
export function refusalError(r: TrackingRefusal, fallback: Language = 'id'): ServiceError {
  if (r.status === 404) return new ServiceError(404, 'Not Found', t(fallback, 'track.unknown'));
  return new ServiceError(410, 'Gone', t(r.language, r.reason === 'used' ? 'track.gone.used' : 'track.gone.expired'));
}
