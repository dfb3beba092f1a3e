// Why a device has its health, in the viewer's language. Analytics writes its explanation in
// English (for logs and the API); the rule that fired and the numbers behind it travel with it
// (HealthReport.rule, .evidence), so the dashboard says the same thing from those. A rule this
// build does not know, or a report without one (a work order opened by hand), shows as written.
import type { HealthReport } from '../../core/types.ts';
import { duration, labelOf, num, t } from './i18n.ts';

type Report = Pick<HealthReport, 'rule' | 'metric' | 'evidence' | 'explanation' | 'state'> & {
  timeToThresholdMs?: number | null;
};

/** Units of the built-in metrics; a catalogue metric's unit comes from the caller (its model). */
const BUILT_IN_UNITS: Record<string, string> = { temperature: '°C', vibration: 'mm/s' };

export function explain(h: Report | null | undefined, unit?: string): string {
  if (!h) return '';
  if (h.state === 'warming_up') return t('why.learning');
  const e = h.evidence ?? {};
  const metric = labelOf('metric', h.metric) || (h.metric ?? '');
  // Vibration in mm/s with two decimals, temperature in °C with one, as the fleet table shows them.
  const digits = h.metric === 'temperature' ? 1 : 2;
  const v = (x: number | undefined, d = digits) => num(x, d);
  // A value with its unit, for the texts that do not spell the unit out themselves.
  const u = unit ?? BUILT_IN_UNITS[h.metric ?? ''] ?? '';
  const vu = (x: number | undefined, d = digits) => (x === undefined || !u ? v(x, d) : `${v(x, d)} ${u}`);
  switch (h.rule) {
    case 'baseline':
      return t('why.normal', { metric });
    case 'iso10816-zone-b':
      return t('why.zoneB', { bc: v(e.zoneBC, 1) });
    case 'iso10816-zone-c':
      return t('why.zoneC', { value: v(e.smoothed), bc: v(e.zoneBC, 1), cd: v(e.zoneCD, 1) });
    case 'iso10816-zone-d':
      return t('why.zoneD', { value: v(e.smoothed), cd: v(e.zoneCD, 1) });
    case 'rated-max-temperature':
      return t('why.aboveRatedMax', { value: v(e.smoothed, 1), max: v(e.ratedMax, 0) });
    case 'near-rated-max-temperature':
      return t('why.nearRatedMax', { value: v(e.smoothed, 1), max: v(e.ratedMax, 0) });
    case 'anomaly-likelihood':
      return t('why.unusual', { metric, value: vu(e.value), likelihood: num(e.anomalyLikelihood, 3) });
    case 'zscore':
      // Above or below in words, the distance unsigned: "is −114.0 σ from" read as a typo.
      return t((e.z ?? 0) < 0 ? 'why.zscoreBelow' : 'why.zscore', {
        metric,
        value: vu(e.value),
        z: num(Math.abs(e.z ?? 0), 1),
      });
    case 'cusum-shift':
      return t('why.shift', { metric, mean: vu(e.baselineMean), cusum: num(e.cusum, 0) });
    case 'elevated':
      return t(
        e.smoothed !== undefined && e.baselineMean !== undefined && e.smoothed < e.baselineMean
          ? 'why.elevatedBelow'
          : 'why.elevated',
        {
          metric,
          value: vu(e.smoothed),
          sigmas: num(e.elevationSigmas, 1),
          mean: vu(e.baselineMean),
        },
      );
    case 'trend-forecast': {
      // Falling toward a lower limit (pressure, flow) or rising toward an upper one: the limit is
      // whichever the evidence names in that direction (catalogue limits, the rated maximum, zone D).
      const falling = e.smoothed !== undefined && e.baselineMean !== undefined && e.smoothed < e.baselineMean;
      const threshold = falling ? e.ratedLower : (e.ratedUpper ?? e.ratedMax ?? e.zoneCD);
      const earliest = e.timeToThresholdEarliestMs;
      const params = {
        metric,
        value: vu(e.smoothed),
        sigmas: num(e.elevationSigmas, 1),
        threshold: vu(threshold, digits),
        in: duration(e.timeToThresholdMs ?? h.timeToThresholdMs),
        earliest: duration(earliest),
      };
      if (earliest === undefined || threshold === undefined)
        return t(falling ? 'why.forecastFallingShort' : 'why.forecastShort', params);
      return t(falling ? 'why.forecastFalling' : 'why.forecast', params);
    }
    case 'joint-residual':
      return t('why.joint', { metric, ratio: num(e.jointRatio, 1), for: duration(e.jointAlarmMs) });
    case 'stuck-sensor':
      return t('why.stuck', { metric, value: vu(e.value), repeats: e.repeats ?? 0 });
    case 'physical-range':
      return t('why.impossibleValue', { metric, value: vu(e.value) });
    case 'sensor-gain-drift':
      return t('why.gainDrift', { metric, value: vu(e.smoothed), noise: num(e.noiseRatio, 2) });
    case 'sensor-offset':
      return t('why.sensorOffset', {
        metric,
        excess: num(e.stoppedExcessSigmas, 1),
        sigmas: num(e.elevationSigmas, 1),
      });
    case 'unexplained-drift':
      // Its evidence is signed: up or down from the normal.
      return t((e.elevationSigmas ?? 0) < 0 ? 'why.unexplainedDriftDown' : 'why.unexplainedDriftUp', {
        metric,
        value: vu(e.smoothed),
        sigmas: num(Math.abs(e.elevationSigmas ?? 0), 1),
        mean: vu(e.baselineMean),
      });
    case 'quiet-sensor':
      return t('why.quietSensor', { metric, for: duration(e.quietMs) });
    case 'silent-vibration-sensor':
      return t('why.silentVibration', { value: v(e.value), for: duration(e.warmWhileStoppedMs) });
    case 'history-import':
      return t('why.imported');
    default:
      return h.explanation;
  }
}
