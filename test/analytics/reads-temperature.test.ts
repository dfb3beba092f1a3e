import { describe, expect, it } from 'vitest';
import { metricFacts, readsTemperature } from '../../analytics/metric-kinds.ts';
import { DEFAULT_DEVICE_MODEL } from '../../core/device-models.ts';

// Which metrics the joint model may re-base after a step beyond thermal inertia (joint-model.ts).
describe('readsTemperature', () => {
  const unitFree = (name: string, unit = '') => ({ ...metricFacts(name, DEFAULT_DEVICE_MODEL), unit });

  it('the built-in kind, a catalogue unit of a temperature, or a name that says so', () => {
    expect(readsTemperature('temperature', metricFacts('temperature', DEFAULT_DEVICE_MODEL))).toBe(true);
    for (const unit of ['°C', '° C', 'degC', 'K', '°F', 'celsius'])
      expect(readsTemperature('oilSump', unitFree('oilSump', unit))).toBe(true);
    for (const name of ['Temperature', 'Thermocouple', 'fluid_temp', 'motorTemperature'])
      expect(readsTemperature(name, unitFree(name))).toBe(true);
  });

  it('not a flow, a pressure, a current or a vibration, whatever their units', () => {
    expect(readsTemperature('vibration', metricFacts('vibration', DEFAULT_DEVICE_MODEL))).toBe(false);
    for (const [name, unit] of [
      ['flow', 'm3/h'],
      ['outletPressure', 'bar'],
      ['Current', 'A'],
      ['pumpAcceleration', 'g'],
      ['level', 'cm'],
    ])
      expect(readsTemperature(name, unitFree(name, unit))).toBe(false);
  });
});
