// The catalogue of product models Purna knows, in one readable place: the simulator draws its
// signals from it, analytics takes its domain thresholds from it, and the service domain its
// spare parts. Values are plausible for the product class, not a vendor's datasheet.

import type { FailureMode } from './types.ts';

/** ISO 10816-1 machine classes. */
export type MachineClass = 'I' | 'II' | 'III' | 'IV';

/**
 * ISO 10816-1 vibration severity zone boundaries, velocity RMS in mm/s:
 * A/B (new machine → unrestricted operation), B/C (→ restricted, plan maintenance),
 * C/D (→ damage occurs: the failure threshold Purna forecasts against).
 */
export const ISO10816_ZONES_MM_S: Record<MachineClass, { ab: number; bc: number; cd: number }> = {
  I: { ab: 0.71, bc: 1.8, cd: 4.5 },
  II: { ab: 1.12, bc: 2.8, cd: 7.1 },
  III: { ab: 1.8, bc: 4.5, cd: 11.2 },
  IV: { ab: 2.8, bc: 7.1, cd: 18 },
};

export interface DeviceModelSpec {
  id: string;
  name: string;
  kind: 'pump' | 'compressor' | 'motor';
  machineClass: MachineClass;
  /** Maximum rated operating temperature, °C: above it the product is failing. */
  ratedMaxTemperatureC: number;
  /** Typical healthy readings at full load, for the simulator. */
  healthy: { temperatureC: number; vibrationMmS: number; ambientC: number };
  /** Physically plausible sensor ranges; a reading outside is a sensor fault, not a machine fault. */
  physicalRange: { temperatureC: [number, number]; vibrationMmS: [number, number] };
  /** The spare part that fixes each failure mode. */
  spareParts: Partial<Record<FailureMode, { sku: string; name: string }>>;
}

export const DEVICE_MODELS: readonly DeviceModelSpec[] = [
  {
    id: 'pump-p200',
    name: 'Centrifugal pump P200 (22 kW)',
    kind: 'pump',
    machineClass: 'II',
    ratedMaxTemperatureC: 85,
    healthy: { temperatureC: 58, vibrationMmS: 1.6, ambientC: 30 },
    physicalRange: { temperatureC: [-40, 200], vibrationMmS: [0, 50] },
    spareParts: {
      bearing_wear: { sku: 'P200-BRG-KIT', name: 'Bearing kit P200' },
      cooling_failure: { sku: 'P200-FAN-ASM', name: 'Motor fan assembly P200' },
      lubrication_loss: { sku: 'P200-LUBE-SVC', name: 'Lubrication service kit P200' },
      sensor_fault: { sku: 'SNS-TV-MOD', name: 'Temperature/vibration sensor module' },
    },
  },
  {
    id: 'compressor-c75',
    name: 'Screw compressor C75 (75 kW)',
    kind: 'compressor',
    machineClass: 'III',
    ratedMaxTemperatureC: 105,
    healthy: { temperatureC: 78, vibrationMmS: 2.4, ambientC: 30 },
    physicalRange: { temperatureC: [-40, 250], vibrationMmS: [0, 80] },
    spareParts: {
      bearing_wear: { sku: 'C75-BRG-KIT', name: 'Air-end bearing kit C75' },
      cooling_failure: { sku: 'C75-FAN-ASM', name: 'Cooler fan assembly C75' },
      lubrication_loss: { sku: 'C75-OIL-SEP', name: 'Oil separator and oil kit C75' },
      sensor_fault: { sku: 'SNS-TV-MOD', name: 'Temperature/vibration sensor module' },
    },
  },
  {
    id: 'motor-m15',
    name: 'Induction motor M15 (11 kW)',
    kind: 'motor',
    machineClass: 'I',
    ratedMaxTemperatureC: 80,
    healthy: { temperatureC: 52, vibrationMmS: 0.9, ambientC: 30 },
    physicalRange: { temperatureC: [-40, 200], vibrationMmS: [0, 40] },
    spareParts: {
      bearing_wear: { sku: 'M15-BRG-KIT', name: 'Bearing kit M15' },
      cooling_failure: { sku: 'M15-FAN-ASM', name: 'Cooling fan assembly M15' },
      lubrication_loss: { sku: 'M15-GREASE', name: 'Bearing grease kit M15' },
      sensor_fault: { sku: 'SNS-TV-MOD', name: 'Temperature/vibration sensor module' },
    },
  },
];

const byId = new Map(DEVICE_MODELS.map((m) => [m.id, m]));

/** The model used for a device Purna has no record of: a medium (class II) machine. */
export const DEFAULT_DEVICE_MODEL: DeviceModelSpec = DEVICE_MODELS[0];

export function deviceModel(id: string | null | undefined): DeviceModelSpec {
  return (id && byId.get(id)) || DEFAULT_DEVICE_MODEL;
}

/** What a metric's sensor can physically read, in the metric's unit. */
export interface PhysicalRange {
  min: number;
  max: number;
  unit: string;
}

const rangesByModel = new WeakMap<DeviceModelSpec, ReadonlyMap<string, PhysicalRange>>();

/**
 * The physically possible range of each metric this model's catalogue entry knows (sensor
 * limits). A value outside is a sensor fault: velocity RMS is never negative, and no sensor here
 * reads below -40 °C, let alone absolute zero. Metrics not listed have no physical range.
 */
export function physicalRanges(model: DeviceModelSpec): ReadonlyMap<string, PhysicalRange> {
  let ranges = rangesByModel.get(model);
  if (!ranges) {
    ranges = new Map([
      [
        'temperature',
        { min: model.physicalRange.temperatureC[0], max: model.physicalRange.temperatureC[1], unit: '°C' },
      ],
      [
        'vibration',
        { min: model.physicalRange.vibrationMmS[0], max: model.physicalRange.vibrationMmS[1], unit: 'mm/s' },
      ],
    ]);
    rangesByModel.set(model, ranges);
  }
  return ranges;
}
