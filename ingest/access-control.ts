// Who may connect, publish and subscribe on the embedded broker (aedes hooks, STYLE 8).
import type { Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Logger } from '../core/log.ts';
import { filterCovers } from '../core/topic-filters.ts';
import { parseDeviceTopic, topics } from '../core/topics.ts';
import type { DeviceCredentials, MqttIdentity } from './device-credentials.ts';

export type MqttAuthMode = 'open' | 'token';

export interface AccessControlOptions {
  mode: MqttAuthMode;
  credentials: DeviceCredentials;
  log: Logger;
  /** Largest PUBLISH payload accepted, bytes. */
  maxPayloadBytes: number;
  /** CONNECT attempts allowed per client address per minute. */
  maxConnectsPerIpPerMinute: number;
  /** CONNECT attempts allowed per client id per minute (a takeover loop is a broken client). */
  maxConnectsPerClientIdPerMinute: number;
  /** Topic filters nobody may subscribe to, nor to any filter they cover (the operator's list). */
  denySubscribe: readonly string[];
}

export class AccessError extends Error {
  readonly returnCode: number;
  constructor(message: string, returnCode: number) {
    super(message);
    this.returnCode = returnCode;
  }
}

/** Fixed one-minute windows of counts per key; old windows are dropped wholesale. */
class RateCounter {
  #window = 0;
  #counts = new Map<string, number>();
  hit(key: string, nowMs: number): number {
    const w = Math.floor(nowMs / 60_000);
    if (w !== this.#window) {
      this.#window = w;
      this.#counts = new Map();
    }
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n;
  }
}

const identities = new WeakMap<Client, MqttIdentity>();
const emptyPersistentId = new WeakSet<Client>();

export class AccessControl {
  readonly #opts: AccessControlOptions;
  readonly #byIp = new RateCounter();
  readonly #byClientId = new RateCounter();
  refusedConnects = 0;
  refusedPublishes = 0;
  refusedSubscriptions = 0;

  constructor(opts: AccessControlOptions) {
    this.#opts = opts;
  }

  identity(client: Client): MqttIdentity | undefined {
    return identities.get(client);
  }

  /** aedes preConnect: connection-rate limits, and notes what `authenticate` must refuse. */
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    const now = Date.now();
    const ip = (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';
    if (this.#byIp.hit(ip, now) > this.#opts.maxConnectsPerIpPerMinute) {
      this.refusedConnects++;
      this.#opts.log.warn({ ip }, 'mqtt connect refused: too many connections from this address');
      return callback(new Error('connection rate limit'), false);
    }
    if (packet.clientId && this.#byClientId.hit(packet.clientId, now) > this.#opts.maxConnectsPerClientIdPerMinute) {
      this.refusedConnects++;
      this.#opts.log.warn({ client: packet.clientId, ip }, 'mqtt connect refused: client id reconnecting too often');
      return callback(new Error('client id rate limit'), false);
    }
    // [MQTT-3.1.3-8]: a zero-byte client id needs CleanSession = 1. aedes would invent an id and
    // keep a session nobody can resume; refused in authenticate with CONNACK 0x02.
    if (packet.clientId === '' && !packet.clean) emptyPersistentId.add(client);
    callback(null, true);
  }

  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AccessError | null, success: boolean | null) => void): void {
    if (emptyPersistentId.has(client)) {
      this.refusedConnects++;
      this.#opts.log.warn('mqtt connect refused: empty client id with a persistent session');
      return done(new AccessError('identifier rejected: an empty client id needs a clean session', 2), false);
    }
    if (this.#opts.mode === 'open') return done(null, true);
    const identity = this.#opts.credentials.verify(username, password);
    if (!identity) {
      this.refusedConnects++;
      this.#opts.log.warn({ client: client.id, username }, username && this.#opts.credentials.hasDevice(username) ? 'mqtt connect refused: wrong token' : 'mqtt connect refused: unknown client');
      return done(new AccessError('bad user name or password', 4), false);
    }
    identities.set(client, identity);
    done(null, true);
  }

  /**
   * aedes authorizePublish, the checks before ingest: returns a refusal reason or null. A refused
   * PUBLISH disconnects the client: MQTT 3.1.1 has no negative PUBACK.
   */
  checkPublish(client: Client, packet: PublishPacket): string | null {
    // [MQTT-1.5.3-2]: a UTF-8 string must not contain U+0000.
    if (packet.topic.includes('\u0000')) return 'topic contains U+0000';
    const size = (packet.payload as Buffer).length;
    if (size > this.#opts.maxPayloadBytes) return `payload of ${size} bytes exceeds the limit of ${this.#opts.maxPayloadBytes}`;
    if (this.#opts.mode === 'open') return null;
    const who = identities.get(client);
    if (!who) return 'not authenticated';
    if (who.kind === 'service') return null;
    if (who.kind === 'technician') return `technician ${who.id} may only subscribe to ${topics.technicianDispatch(who.id)}`;
    const parsed = parseDeviceTopic(packet.topic);
    if (!parsed || parsed.deviceId !== who.id || (parsed.kind !== 'telemetry' && parsed.kind !== 'status')) {
      return `device ${who.id} may publish only to purna/v1/devices/${who.id}/telemetry or /status`;
    }
    return null;
  }

  refusePublish(client: Client, packet: PublishPacket, reason: string): void {
    this.refusedPublishes++;
    const who = identities.get(client);
    this.#opts.log.warn({ client: client.id, device: who?.id, topic: packet.topic.replace(/\u0000/g, '\\u0000').slice(0, 200), reason }, 'mqtt publish refused; client disconnected');
  }

  /**
   * aedes authorizeSubscribe: nobody to a filter the operator denies, a device only to its own
   * errors and commands, a technician only to their own dispatch topic; `null` → SUBACK 0x80.
   */
  authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    if (sub.topic.includes('\u0000')) {
      this.refusedSubscriptions++;
      return callback(null, null);
    }
    const denied = this.#opts.denySubscribe.find((filter) => filterCovers(filter, sub.topic));
    if (denied !== undefined) {
      this.refusedSubscriptions++;
      this.#opts.log.info({ client: client.id, topic: sub.topic.slice(0, 200), denied }, 'mqtt subscription refused: filter denied by PURNA_MQTT_DENY_SUBSCRIBE');
      return callback(null, null);
    }
    if (this.#opts.mode === 'open') return callback(null, sub);
    const who = identities.get(client);
    if (who?.kind === 'service') return callback(null, sub);
    if (who?.kind === 'technician') {
      if (sub.topic === topics.technicianDispatch(who.id)) return callback(null, sub);
    }
    const parsed = who?.kind === 'device' ? parseDeviceTopic(sub.topic) : null;
    if (who && parsed && parsed.deviceId === who.id && (parsed.kind === 'errors' || parsed.kind === 'commands')) return callback(null, sub);
    this.refusedSubscriptions++;
    this.#opts.log.warn({ client: client.id, device: who?.id, topic: sub.topic.slice(0, 200) }, 'mqtt subscription refused');
    callback(null, null);
  }
}
