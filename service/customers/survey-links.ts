import type { Clock } from '../../core/clock.ts';
import type { Language } from '../../core/i18n/index.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import { conflict, type ServiceWorkOrder } from '../types.ts';
import { feedbackReceived } from './feedback.ts';
import type { Survey, SurveyAnswer } from './surveys.ts';

/** What the survey page shows of the job it asks about. */
export interface SurveyedJob {
  id: string;
  deviceId: string;
  resolvedAtMs: number | null;
  resolutionCode: string | null;
  /** The site's IANA zone, for the visit's time on the page. */
  timeZone: string | null;
  /** The language of the customer contact the survey went to; null until contacts keep one. */
  contactLanguage: Language | null;
}

/**
 * The customer's side of a resolved job: the one-time survey link, sent to the customer by the
 * CRM (webhook `survey.requested`; the link is the only copy of the token), and the answer
 * (webhook `survey.answered`).
 */
export class SurveyLinks {
  readonly #s: ServiceStores;
  readonly #clock: Clock;
  readonly #baseUrl: string;

  constructor(stores: ServiceStores, clock: Clock, baseUrl: string) {
    this.#s = stores;
    this.#clock = clock;
    this.#baseUrl = baseUrl;
  }

  /** Issues the survey of a just-resolved job and asks the CRM to send it. Inside the caller's transaction. */
  request(wo: ServiceWorkOrder, nowMs: number): { token: string; url: string } {
    const token = this.#s.surveys.issue(wo.id, nowMs);
    const url = `${this.#baseUrl}${token}`;
    const device = this.#s.registry.getDevice(wo.deviceId);
    this.#s.notifier.enqueue('survey.requested', {
      workOrderId: wo.id,
      deviceId: wo.deviceId,
      customerId: device?.customerId ?? null,
      url,
    });
    return { token, url };
  }

  /** A fresh link for a resolved work order (a re-send; the old link dies). */
  reissue(workOrderId: string): { token: string; url: string } {
    const wo = this.#s.orders.require(workOrderId);
    if (wo.state !== 'resolved') throw conflict(`work order is ${wo.state}: surveys follow a resolved job`);
    return inTransaction(this.#s.db, () => this.request(wo, this.#clock.nowMs()));
  }

  open(token: string): { survey: Survey; workOrder: SurveyedJob } {
    const survey = this.#s.surveys.open(token, this.#clock.nowMs());
    const wo = this.#s.orders.require(survey.workOrderId);
    const device = this.#s.registry.getDevice(wo.deviceId);
    return {
      survey,
      workOrder: {
        id: wo.id,
        deviceId: wo.deviceId,
        resolvedAtMs: wo.resolvedAtMs,
        resolutionCode: wo.resolutionCode,
        timeZone: device?.timeZone ?? null,
        contactLanguage: null,
      },
    };
  }

  answer(token: string, answer: SurveyAnswer): Survey {
    const now = this.#clock.nowMs();
    return inTransaction(this.#s.db, () => {
      const survey = this.#s.surveys.answer(token, answer, now);
      this.#s.notifier.enqueue('survey.answered', survey);
      feedbackReceived(
        this.#s,
        {
          workOrderId: survey.workOrderId,
          contactId: null,
          csat: survey.csat,
          nps: survey.nps,
          comment: survey.comment,
        },
        now,
      );
      return survey;
    });
  }

  of(workOrderId: string): Survey | undefined {
    return this.#s.surveys.forWorkOrder(this.#s.orders.require(workOrderId).id);
  }
}
