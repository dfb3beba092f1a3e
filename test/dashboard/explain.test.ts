// The dashboard's "why" for a forecast, from the evidence analytics sends: the limit in the
// direction the metric moves, whichever kind of limit the model has (issue 15: any metric).
import { describe, expect, it } from 'vitest';
import { t } from '../../core/i18n/index.ts';
import { explain } from '../../dashboard/ui/explain.ts';

const forecast = (evidence: Record<string, number>, metric: string) => ({
  rule: 'trend-forecast',
  metric,
  state: 'degrading',
  explanation: 'as analytics wrote it',
  evidence,
});

describe('forecast explanation', () => {
  it('a falling pressure names its lower limit, and says falling', () => {
    const text = explain(
      forecast(
        {
          smoothed: 2.61,
          baselineMean: 3.5,
          elevationSigmas: 6.2,
          ratedLower: 2,
          timeToThresholdMs: 30 * 3600_000,
          timeToThresholdEarliestMs: 20 * 3600_000,
        },
        'pressure',
      ) as never,
    );
    expect(text).toMatch(/falling/);
    expect(text).toMatch(/below normal/);
    expect(text).toMatch(/reach 2\.00 in/);
    // Without the model's unit, no unit is guessed; with it, each value carries it.
    const withUnit = explain(
      forecast(
        {
          smoothed: 2.61,
          baselineMean: 3.5,
          elevationSigmas: 6.2,
          ratedLower: 2,
          timeToThresholdMs: 1,
          timeToThresholdEarliestMs: 1,
        },
        'pressure',
      ) as never,
      'bar',
    );
    expect(withUnit).toMatch(/pressure 2\.61 bar is falling.*reach 2\.00 bar in/);
    expect(text).not.toMatch(/—/);
  });

  it('a rising motor current names its upper limit; a temperature its rated maximum; vibration zone D', () => {
    const up = {
      smoothed: 27,
      baselineMean: 20,
      elevationSigmas: 5,
      timeToThresholdMs: 3600_000,
      timeToThresholdEarliestMs: 1800_000,
    };
    expect(explain(forecast({ ...up, ratedUpper: 30 }, 'motor_current') as never, 'A')).toMatch(
      /rising.*reach 30\.00 A in/,
    );
    // The built-in metrics' units are known without the model.
    expect(explain(forecast({ ...up, ratedMax: 95 }, 'temperature') as never)).toMatch(
      /27\.0 °C is rising.*reach 95\.0 °C in/,
    );
    expect(explain(forecast({ ...up, zoneCD: 7.1 }, 'vibration') as never)).toMatch(
      /27\.00 mm\/s is rising.*reach 7\.10 mm\/s in/,
    );
  });

  it('the generic texts carry the unit: a z-score and an elevation of a temperature', () => {
    const z = explain({
      rule: 'zscore',
      metric: 'temperature',
      state: 'watch',
      explanation: '',
      evidence: { value: 70.5, z: 5.7 },
    } as never);
    expect(z).toMatch(/temperature 70\.5 °C is 5\.7 σ above its recent level/);
    // Below: in words, the number unsigned.
    const below = explain({
      rule: 'zscore',
      metric: 'temperature',
      state: 'watch',
      explanation: '',
      evidence: { value: 40.2, z: -114 },
    } as never);
    expect(below).toMatch(/temperature 40\.2 °C is 114\.0 σ below its recent level/);
    expect(below).not.toMatch(/−|-114/);
    const up = explain({
      rule: 'elevated',
      metric: 'vibration',
      state: 'watch',
      explanation: '',
      evidence: { smoothed: 4.2, baselineMean: 2.1, elevationSigmas: 6 },
    } as never);
    expect(up).toMatch(/4\.20 mm\/s is 6\.0 σ above this device’s normal 2\.10 mm\/s/);
  });

  it('without a limit or an earliest time in the evidence it says so in words, not with dashes', () => {
    const text = explain(
      forecast(
        { smoothed: 61.2, baselineMean: 60, elevationSigmas: 3, timeToThresholdMs: 3 * 3600_000 },
        'temperature',
      ) as never,
    );
    expect(text).toMatch(/its limit in 3/);
    expect(text).not.toMatch(/—/);
  });
});

describe('sensor-fault explanations', () => {
  const report = (rule: string, evidence: Record<string, number>, metric = 'motorTemperature') => ({
    rule,
    metric,
    state: 'warning',
    explanation: 'as analytics wrote it',
    evidence,
  });

  it('each sensor-fault rule has its own text from its evidence, not analytics’ English', () => {
    const drift = { value: 61.2, smoothed: 61.04, baselineMean: 55.3, baselineStd: 1, z: 4, elevationSigmas: 5.74 };
    const up = explain(report('unexplained-drift', drift) as never, '°C');
    expect(up).toBe(
      'motorTemperature 61.04 °C is 5.7 σ above this device’s normal 55.30 °C while the machine runs, and no failure mode of this model moves it that way alone: check the sensor',
    );
    const down = explain(
      report('unexplained-drift', { ...drift, smoothed: 49.6, elevationSigmas: -5.7 }) as never,
      '°C',
    );
    expect(down).toMatch(/49\.60 °C is 5\.7 σ below/);
    expect(explain(report('sensor-offset', { ...drift, stoppedExcessSigmas: 3.21 }) as never)).toMatch(
      /stays 3\.2 σ above what this machine shows once it has cooled in a stop, and reads 5\.7 σ above/,
    );
    expect(
      explain(report('sensor-gain-drift', { ...drift, smoothed: 3.4, noiseRatio: 1.62 }, 'vibration') as never),
    ).toMatch(/^vibration reads 3\.40 mm\/s, and its reading-to-reading noise grew with its level \(1\.62 ×\)/);
    expect(explain(report('physical-range', { ...drift, value: -273 }) as never, '°C')).toMatch(
      /-273\.00 °C is outside what its sensor can measure/,
    );
    for (const rule of ['unexplained-drift', 'sensor-offset', 'sensor-gain-drift', 'physical-range'])
      expect(explain(report(rule, { ...drift, stoppedExcessSigmas: 3, noiseRatio: 1.5 }) as never)).not.toMatch(
        /analytics wrote|\{|undefined|NaN/,
      );
  });

  it('the same texts in Indonesian, with every placeholder filled', () => {
    const params = {
      metric: 'suhu motor',
      value: '61,04 °C',
      sigmas: '5,7',
      mean: '55,30 °C',
      excess: '3,2',
      noise: '1,62',
    };
    const keys = ['why.unexplainedDriftUp', 'why.unexplainedDriftDown', 'why.sensorOffset', 'why.gainDrift'] as const;
    for (const key of keys) {
      const text = t('id', key, params);
      expect(text).not.toMatch(/\{|\}/);
      expect(text).toMatch(/periksa sensornya$/);
      expect(text).not.toBe(t('en', key, params));
    }
    expect(t('id', 'why.unexplainedDriftDown', params)).toMatch(/5,7 σ di bawah normal perangkat ini \(55,30 °C\)/);
    // A z-score above and below its recent level, in words.
    const z = { metric: 'suhu', value: '40,2 °C', z: '114,0' };
    expect(t('id', 'why.zscore', z)).toMatch(/^suhu 40,2 °C berada 114,0 σ di atas tingkat terakhirnya/);
    expect(t('id', 'why.zscoreBelow', z)).toMatch(/^suhu 40,2 °C berada 114,0 σ di bawah tingkat terakhirnya/);
  });

  it('a quiet sensor: named, for how long, in both languages', () => {
    const text = explain(report('quiet-sensor', { value: 12.3, quietMs: 12 * 60_000 }, 'flow') as never);
    expect(text).toMatch(/^flow: no reading for 12 mins? while the device goes on reporting its other metrics/);
    expect(text).not.toMatch(/analytics wrote/);
    const id = t('id', 'why.quietSensor', { metric: 'flow', for: '12 mnt' });
    expect(id).toMatch(/^flow: tidak ada pembacaan selama 12 mnt, padahal perangkat tetap mengirim metrik lainnya/);
    expect(id).not.toMatch(/\{|\}/);
  });
});
