// The MQTT topic contract (docs/mqtt-api.md). Devices publish only under their own id.
import { memo } from './bounded-memo.ts';

export const TOPIC_ROOT = 'purna/v1';

export const topics = {
  telemetry: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/telemetry`,
  status: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/status`,
  errors: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/errors`,
  commands: (deviceId: string) => `${TOPIC_ROOT}/devices/${deviceId}/commands`,
  technicianDispatch: (technicianId: string) => `${TOPIC_ROOT}/technicians/${technicianId}/dispatch`,
} as const;

/** Device ids: 1–64 chars of letters, digits, '-', '_', '.'; never MQTT wildcards or '/'. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type DeviceTopicKind = 'telemetry' | 'status' | 'errors' | 'commands';

type ParsedDeviceTopic = Readonly<{ deviceId: string; kind: DeviceTopicKind }>;

/**
 * Topics repeat (each device uses the same two or three), and every message's topic is parsed
 * by the ACL and again by ingest: the answers are kept (null for a topic that is not a device's).
 */
const PARSED_LIMIT = 100_000;
const parsedTopics = new Map<string, ParsedDeviceTopic | null>();

/** Parses `purna/v1/devices/{id}/{kind}`; null for anything else. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  return memo(parsedTopics, topic, parseUncached, PARSED_LIMIT);
}

function parseUncached(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'purna' || parts[1] !== 'v1' || parts[2] !== 'devices') return null;
  const deviceId = parts[3];
  const kind = parts[4];
  if (!DEVICE_ID_PATTERN.test(deviceId)) return null;
  if (kind !== 'telemetry' && kind !== 'status' && kind !== 'errors' && kind !== 'commands') return null;
  return Object.freeze({ deviceId, kind });
}
