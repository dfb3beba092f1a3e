// Degradation and fault profiles, and the ground truth each writes for evaluation.

/** `degradation`: a catalogue model's failure mode, played from its signature (catalogue-model.ts). */
export type MachineFaultProfile =
  | 'bearing_wear'
  | 'cooling_failure'
  | 'lubrication_loss'
  | 'sudden_failure'
  | 'degradation';
export type SensorFaultProfile = 'sensor_drift' | 'stuck_sensor' | 'spikes';
export type ConnectivityProfile = 'intermittent' | 'offline';
export type Profile = 'healthy' | MachineFaultProfile | SensorFaultProfile | ConnectivityProfile;

export const MACHINE_FAULTS: readonly MachineFaultProfile[] = [
  'bearing_wear',
  'cooling_failure',
  'lubrication_loss',
  'sudden_failure',
  'degradation',
];
export const SENSOR_FAULTS: readonly SensorFaultProfile[] = ['sensor_drift', 'stuck_sensor', 'spikes'];
export const CONNECTIVITY_FAULTS: readonly ConnectivityProfile[] = ['intermittent', 'offline'];

export type FaultClass = 'machine' | 'sensor' | 'connectivity';

export function faultClass(p: Profile): FaultClass | null {
  if ((MACHINE_FAULTS as readonly string[]).includes(p)) return 'machine';
  if ((SENSOR_FAULTS as readonly string[]).includes(p)) return 'sensor';
  if ((CONNECTIVITY_FAULTS as readonly string[]).includes(p)) return 'connectivity';
  return null;
}

/** One simulated fault: what, to which device, when it starts and (machine faults) when it fails. */
export interface GroundTruth {
  deviceId: string;
  modelId: string;
  profile: Profile;
  class: FaultClass;
  /** The failure mode a correct dispatch names (machine faults), or the sensor/connectivity kind. */
  mode: string;
  /** The sensor at fault (sensor faults: `temperature`, `vibration` or a catalogue metric); null for the others. */
  metric: string | null;
  onsetMs: number;
  /** When the failure threshold is crossed (machine faults); null for sensor and connectivity faults. */
  failureMs: number | null;
}

export function modeOf(p: Profile): string {
  switch (p) {
    case 'bearing_wear':
    case 'sudden_failure':
      return 'bearing_wear';
    case 'cooling_failure':
      return 'cooling_failure';
    case 'lubrication_loss':
      return 'lubrication_loss';
    case 'sensor_drift':
    case 'stuck_sensor':
    case 'spikes':
      return 'sensor_fault';
    default:
      return p;
  }
}
