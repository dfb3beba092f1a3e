import { describe, expect, it } from 'vitest';
import { catalogue } from '../../core/i18n/index.ts';
import {
  convert,
  PROBLEM_CODES,
  type ProductModel,
  seedProductModels,
  validateProductModel,
} from '../../core/product-catalogue.ts';

const booster = (): ProductModel => ({
  id: 'booster-b40',
  name: 'Booster pump B40',
  kind: 'pump',
  metrics: [
    { name: 'pressure', unit: 'bar', physicalRange: [0, 16], normalRange: [3, 6], ratedLimits: { lower: 2 } },
    { name: 'flow', unit: 'L/min', physicalRange: [0, 400], normalRange: [40, 120], ratedLimits: { lower: 20 } },
    { name: 'current', unit: 'A', physicalRange: [0, 80], normalRange: [10, 22], ratedLimits: { upper: 30 } },
    { name: 'temperature', unit: '°C', physicalRange: [-40, 150], normalRange: [20, 60], ratedLimits: {} },
  ],
  failureModes: [
    {
      id: 'seal_leak',
      name: 'Mechanical seal leak',
      signature: [
        { metric: 'pressure', direction: 'down' },
        { metric: 'flow', direction: 'down' },
      ],
      parts: [{ sku: 'B40-SEAL-KIT', name: 'Seal kit B40', quantity: 1 }],
      skill: 'mechanical-seal',
      repairHours: 3,
    },
  ],
  running: { metric: 'current', stoppedBelow: 2 },
  warrantyMonths: 24,
  serviceInterval: { days: 180 },
});

describe('product catalogue', () => {
  it('accepts the seed models and a multi-metric booster pump', () => {
    for (const m of [...seedProductModels(), booster()]) expect(validateProductModel(m).errors).toEqual([]);
    expect(seedProductModels().map((m) => m.id)).toEqual(['pump-p200', 'compressor-c75', 'motor-m15']);
  });

  it('names each problem by its field', () => {
    const m = booster();
    m.metrics[0].physicalRange = [16, 0];
    m.metrics[1].unit = 'gallons' as never;
    m.failureModes[0].signature.push({ metric: 'torque', direction: 'up' });
    const fields = validateProductModel(m).errors.map((e) => e.field);
    expect(fields).toContain('metrics[0].physicalRange');
    expect(fields).toContain('metrics[1].unit');
    expect(fields).toContain('failureModes[0].signature[2].metric');
  });

  it('gives every problem a code the dashboard says in both languages', () => {
    const m = booster();
    m.metrics[0].physicalRange = [16, 0];
    m.failureModes[0].signature.push({ metric: 'torque', direction: 'up' });
    const { errors } = validateProductModel(m);
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['rangeOrder', 'noSuchMetric']));
    expect(errors.find((e) => e.code === 'noSuchMetric')?.params).toEqual({ metric: 'torque' });
    expect(errors.find((e) => e.code === 'rangeOrder')?.params).toEqual({ min: 16, max: 0 });
    const missing = PROBLEM_CODES.flatMap((code) =>
      (['en', 'id'] as const)
        .filter((lang) => !(`catalogue.problem.${code}` in catalogue(lang)))
        .map((lang) => `${lang}: ${code}`),
    );
    expect(missing).toEqual([]);
  });

  it('warns, not fails, on a part the inventory does not know', () => {
    const r = validateProductModel(booster(), new Set(['OTHER']));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      {
        field: 'failureModes[0].parts[0].sku',
        code: 'partNotStocked',
        message: "part 'B40-SEAL-KIT' is not in the inventory yet",
        params: { sku: 'B40-SEAL-KIT' },
      },
    ]);
  });

  it('converts within a quantity and refuses across quantities', () => {
    expect(convert(250, 'kPa', 'bar')).toBeCloseTo(2.5, 9);
    expect(convert(212, '°F', '°C')).toBeCloseTo(100, 9);
    expect(convert(1, 'g', 'm/s²')).toBeCloseTo(9.80665, 9);
    expect(() => convert(1, 'bar', 'A')).toThrow(/cannot convert/);
  });
});
