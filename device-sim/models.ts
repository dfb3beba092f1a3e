// Simulation parameters per product model, in one readable place. The healthy operating point,
// rated temperature and ISO 10816 class come from core/device-models.ts; what is only the
// simulator's business (load pattern, thermal time constant, noise) is here.

import { deviceModel, type DeviceModelSpec } from '../core/device-models.ts';

export interface SimModelParams {
  model: DeviceModelSpec;
  /** Load changes every this many simulated hours (a new set point between minLoad and 1). */
  loadChangeEveryH: number;
  minLoad: number;
  /** Thermal time constant: the temperature follows load changes with this lag, s. */
  thermalTauS: number;
  /** Temperature rise above ambient at full load, °C. */
  fullLoadRiseC: number;
  /** Daily ambient swing (peak to mean), °C. */
  ambientSwingC: number;
  /** Measurement noise (1 σ). */
  temperatureNoiseC: number;
  vibrationNoiseMmS: number;
  /** Share of the vibration that scales with load (the rest is there whenever it runs). */
  vibrationLoadShare: number;
}

const PER_KIND: Record<DeviceModelSpec['kind'], Omit<SimModelParams, 'model' | 'fullLoadRiseC'>> = {
  pump: {
    loadChangeEveryH: 6,
    minLoad: 0.8,
    thermalTauS: 900,
    ambientSwingC: 3,
    temperatureNoiseC: 0.25,
    vibrationNoiseMmS: 0.04,
    vibrationLoadShare: 0.3,
  },
  compressor: {
    loadChangeEveryH: 3,
    minLoad: 0.8,
    thermalTauS: 1200,
    ambientSwingC: 3,
    temperatureNoiseC: 0.3,
    vibrationNoiseMmS: 0.06,
    vibrationLoadShare: 0.4,
  },
  motor: {
    loadChangeEveryH: 4,
    minLoad: 0.8,
    thermalTauS: 600,
    ambientSwingC: 3,
    temperatureNoiseC: 0.2,
    vibrationNoiseMmS: 0.03,
    vibrationLoadShare: 0.3,
  },
};

export function simParams(modelId: string): SimModelParams {
  const model = deviceModel(modelId);
  return { model, fullLoadRiseC: model.healthy.temperatureC - model.healthy.ambientC, ...PER_KIND[model.kind] };
}
