// The device page's planned-service card (issue 19): the next maintenance due date in the site's
// zone, running hours, the plan and where it comes from, the last service and the visit under
// way; and what covers the device (warranty or contract, until when) for those who may see it.
import { api } from '../api.ts';
import { el } from '../format.ts';
import { date, labelOf, num, t } from '../i18n.ts';

interface DeviceMaintenance {
  plan: {
    source: 'device' | 'model' | 'catalogue';
    intervalDays: number | null;
    intervalRunningHours: number | null;
  } | null;
  runningHours: number;
  sinceMs: number;
  lastServiceWorkOrderId: string | null;
  nextDueAtMs: number | null;
  dueRunningHours: number | null;
  openVisitWorkOrderId: string | null;
}

interface Coverage {
  kind: 'warranty' | 'contract' | 'none';
  tier: string | null;
  endsAtMs: number | null;
}

const DAY_MS = 86_400_000;

/**
 * A due date; one already past says so in words and in colour (`.overdue`, with a contrast the
 * card's background keeps readable), not in colour alone: a planner scanning the card must not
 * read a past date as the next one.
 */
function dueDate(dueAtMs: number, zone: string | null): Node {
  const shown = date(dueAtMs, zone);
  const late = Date.now() - dueAtMs;
  if (late <= 0) return document.createTextNode(shown);
  return el(
    'span',
    { class: 'overdue' },
    `${shown} `,
    el('strong', { text: t('device.plan.overdue', { days: Math.floor(late / DAY_MS) }) }),
  );
}

/** Running hours against the hours due, marked overdue as the date is once they are past. */
function dueHours(hours: number, due: number): Node {
  const shown = t('device.plan.runningOf', { hours: num(hours, 1), due: num(due, 1) });
  if (hours < due) return document.createTextNode(shown);
  return el(
    'span',
    { class: 'overdue' },
    `${shown} `,
    el('strong', { text: t('device.plan.overdueHours', { hours: num(hours - due, 1) }) }),
  );
}

/**
 * The card, filled once its answers arrive and `zoneReady` says the site's time zone is known;
 * `zone` is that zone (asked then). `cover`: ask what covers the device (planners and admins; a
 * technician's request is a 403).
 */
export function servicePlanCard(
  deviceId: string,
  zone: () => string | null,
  zoneReady: Promise<void>,
  cover = true,
): HTMLElement {
  const list = el('dl', { class: 'record', id: 'device-maintenance' });
  const card = el(
    'section',
    { class: 'record-card', 'aria-labelledby': 'maintenance-title' },
    el('h3', { id: 'maintenance-title', text: t('device.plan.title') }),
    list,
  );
  const id = encodeURIComponent(deviceId);
  const row = (label: string, value: Node | string, rowId: string) =>
    el('div', {}, el('dt', { text: label }), el('dd', { id: rowId }, value));
  const link = (wo: string) => el('a', { href: `#/work-order/${encodeURIComponent(wo)}`, text: wo });
  void Promise.all([
    api<{ maintenance: DeviceMaintenance }>(`devices/${id}/maintenance`).catch(() => null),
    // Planners and admins see the cover; a technician's page goes without it (and does not ask).
    cover ? api<{ coverage: Coverage }>(`devices/${id}/coverage`).catch(() => null) : null,
    zoneReady,
  ]).then(([m, c]) => {
    const rows: HTMLElement[] = [];
    if (m) {
      const { maintenance: x } = m;
      rows.push(
        row(
          t('device.plan.nextDue'),
          x.nextDueAtMs === null ? t('device.plan.none') : dueDate(x.nextDueAtMs, zone()),
          'device-next-due',
        ),
        row(
          t('device.plan.runningHours'),
          x.dueRunningHours === null
            ? t('device.plan.hours', { hours: num(x.runningHours, 1) })
            : dueHours(x.runningHours, x.dueRunningHours),
          'device-running-hours',
        ),
        row(
          t('device.plan.plan'),
          x.plan
            ? t('device.plan.every', {
                days: x.plan.intervalDays ?? 0,
                hours: x.plan.intervalRunningHours ?? 0,
                source: labelOf('planSource', x.plan.source),
              })
            : t('device.plan.none'),
          'device-plan',
        ),
        row(
          t('device.plan.lastService'),
          x.lastServiceWorkOrderId
            ? link(x.lastServiceWorkOrderId)
            : t('device.plan.since', { date: date(x.sinceMs, zone()) }),
          'device-last-service',
        ),
      );
      if (x.openVisitWorkOrderId) rows.push(row(t('device.plan.visit'), link(x.openVisitWorkOrderId), 'device-visit'));
    }
    if (c) {
      const { coverage: k } = c;
      rows.push(
        row(
          t('device.plan.coverage'),
          k.kind === 'none' || k.endsAtMs === null
            ? t('device.plan.notCovered')
            : t('device.plan.coveredUntil', {
                kind: k.kind,
                tier: labelOf('contractTier', k.tier),
                date: date(k.endsAtMs, zone()),
              }),
          'device-coverage',
        ),
      );
    }
    list.replaceChildren(...rows);
    card.hidden = rows.length === 0;
  });
  return card;
}
