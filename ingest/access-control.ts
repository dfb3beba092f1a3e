// Who may connect, publish and subscribe on the embedded broker (aedes hooks, STYLE 8).
import type { Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { filterCovers } from '../core/topic-filters.ts';
import { parseDeviceTopic, topics } from '../core/topics.ts';
import { TECHNICIAN_USERNAME_PREFIX, type DeviceCredentials, type MqttIdentity } from './device-credentials.ts';
import { RateLimiter } from './rate-limiter.ts';

export type MqttAuthMode = 'open' | 'token';

export interface AccessControlOptions {
  mode: MqttAuthMode;
  credentials: DeviceCredentials;
  log: Logger;
  clock: Clock;
  /** Largest PUBLISH payload accepted, bytes. */
  maxPayloadBytes: number;
  /** Accepted CONNECTs per client address per minute. */
  maxConnectsPerIpPerMinute: number;
  /** Accepted CONNECTs per client id per minute (a takeover loop is a broken client). */
  maxConnectsPerClientIdPerMinute: number;
  /** Refused CONNECTs per client address per minute before the address is held suspect. */
  maxAuthFailuresPerIpPerMinute: number;
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

const identities = new WeakMap<Client, MqttIdentity>();
const emptyPersistentId = new WeakSet<Client>();

/** The peer's address: the socket's, or for MQTT over WebSocket the upgraded HTTP request's. */
function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  const req = (client as { req?: { socket?: { remoteAddress?: string } } }).req;
  return conn.remoteAddress ?? req?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Only what the client itself did counts against it. The connect limits count accepted CONNECTs
 * (a gateway's reconnect storm, two devices fighting over one id), never refused ones: a
 * stranger's wrong passwords cannot spend a device's allowance, even from the same address.
 * Refused CONNECTs count against the address they came from, a separate and stricter limit.
 */
export class AccessControl {
  readonly #opts: AccessControlOptions;
  readonly #acceptedByIp: RateLimiter;
  readonly #acceptedByClientId: RateLimiter;
  readonly #refusedByIp: RateLimiter;
  refusedConnects = 0;
  refusedPublishes = 0;
  refusedSubscriptions = 0;

  constructor(opts: AccessControlOptions) {
    this.#opts = opts;
    this.#acceptedByIp = new RateLimiter(opts.maxConnectsPerIpPerMinute);
    this.#acceptedByClientId = new RateLimiter(opts.maxConnectsPerClientIdPerMinute);
    this.#refusedByIp = new RateLimiter(opts.maxAuthFailuresPerIpPerMinute);
  }

  identity(client: Client): MqttIdentity | undefined {
    return identities.get(client);
  }

  /** aedes preConnect: notes what `authenticate` must refuse (it has the packet, authenticate not). */
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    // [MQTT-3.1.3-8]: a zero-byte client id needs CleanSession = 1. aedes would invent an id and
    // keep a session nobody can resume; refused in authenticate with CONNACK 0x02.
    if (packet.clientId === '' && !packet.clean) emptyPersistentId.add(client);
    callback(null, true);
  }

  /**
   * aedes authenticate, which runs before aedes registers the client and so before it would
   * disconnect an earlier connection with the same client id [MQTT-3.1.4-2]: whatever is refused
   * here knocks nobody off.
   */
  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AccessError | null, success: boolean | null) => void,
  ): void {
    const now = this.#opts.clock.nowMs();
    const ip = remoteAddress(client);
    const refuse = (returnCode: number, message: string, why: string, fields: Record<string, unknown> = {}) => {
      this.refusedConnects++;
      // Logged one by one until the address is over its limit, then once: a flood of wrong
      // passwords does not flood the log.
      const suspectBefore = this.#refusedByIp.exhausted(ip, now);
      this.#refusedByIp.spend(ip, now);
      if (!suspectBefore) {
        this.#opts.log.warn({ client: client.id, username, ip, ...fields }, `mqtt connect refused: ${why}`);
        if (this.#refusedByIp.exhausted(ip, now))
          this.#opts.log.warn(
            { ip, limitPerMinute: this.#opts.maxAuthFailuresPerIpPerMinute },
            'mqtt: refused CONNECTs from this address over the limit; service users refused from it, further refusals not logged one by one',
          );
      }
      done(new AccessError(message, returnCode), false);
    };
    if (emptyPersistentId.has(client))
      return refuse(
        2,
        'identifier rejected: an empty client id needs a clean session',
        'empty client id with a persistent session',
      );
    let identity: MqttIdentity | null = null;
    if (this.#opts.mode === 'token') {
      identity = this.#opts.credentials.verify(username, password);
      if (!identity)
        return refuse(
          4,
          'bad user name or password',
          username && this.#opts.credentials.hasDevice(username) ? 'wrong token' : 'unknown client',
        );
      // A device's and a technician's token is 256 random bits: no guessing it, so it is let in
      // from an address over its limit (the real device behind a stranger's NAT). A service
      // token is chosen by the operator and could be guessed online: not tried from there.
      // Refused as any wrong token, so the reply tells a guesser nothing.
      if (identity.kind === 'service' && this.#refusedByIp.exhausted(ip, now))
        return refuse(
          4,
          'bad user name or password',
          'service user from an address over its limit of refused CONNECTs',
        );
      // The client id is the identity: a device connects as its id, a technician as
      // `technician:<id>`, so no one can take over (disconnect) another's session.
      const ownClientId = identity.kind === 'technician' ? TECHNICIAN_USERNAME_PREFIX + identity.id : identity.id;
      if (identity.kind !== 'service' && client.id !== ownClientId) {
        return refuse(
          2,
          `identifier rejected: ${identity.kind} ${identity.id} must connect with client id ${ownClientId}`,
          'client id is not the user name',
          { identity: identity.id },
        );
      }
    }
    if (!this.#acceptedByIp.take(ip, now))
      return this.#refuseBusy(client, ip, 'too many connections from this address', done);
    if (!this.#acceptedByClientId.take(client.id, now))
      return this.#refuseBusy(client, ip, 'client id reconnecting too often', done);
    if (identity) identities.set(client, identity);
    done(null, true);
  }

  /** CONNACK 3 ("server unavailable"): the one 3.1.1 code that tells a client to come back later. */
  #refuseBusy(
    client: Client,
    ip: string,
    why: string,
    done: (error: AccessError | null, success: boolean | null) => void,
  ): void {
    this.refusedConnects++;
    this.#opts.log.warn({ client: client.id, ip }, `mqtt connect refused: ${why}`);
    done(new AccessError(`server unavailable: ${why}`, 3), false);
  }

  /**
   * aedes authorizePublish, the checks before ingest: returns a refusal reason or null. A refused
   * PUBLISH disconnects the client: MQTT 3.1.1 has no negative PUBACK.
   */
  checkPublish(client: Client, packet: PublishPacket): string | null {
    // [MQTT-1.5.3-2]: a UTF-8 string must not contain U+0000.
    if (packet.topic.includes('\u0000')) return 'topic contains U+0000';
    const size = (packet.payload as Buffer).length;
    if (size > this.#opts.maxPayloadBytes)
      return `payload of ${size} bytes exceeds the limit of ${this.#opts.maxPayloadBytes}`;
    if (this.#opts.mode === 'open') return null;
    const who = identities.get(client);
    if (!who) return 'not authenticated';
    if (who.kind === 'service') return null;
    if (who.kind === 'technician')
      return `technician ${who.id} may only subscribe to ${topics.technicianDispatch(who.id)}`;
    const parsed = parseDeviceTopic(packet.topic);
    if (!parsed || parsed.deviceId !== who.id || (parsed.kind !== 'telemetry' && parsed.kind !== 'status')) {
      return `device ${who.id} may publish only to purna/v1/devices/${who.id}/telemetry or /status`;
    }
    return null;
  }

  refusePublish(client: Client, packet: PublishPacket, reason: string): void {
    this.refusedPublishes++;
    const who = identities.get(client);
    this.#opts.log.warn(
      { client: client.id, device: who?.id, topic: packet.topic.replace(/\u0000/g, '\\u0000').slice(0, 200), reason },
      'mqtt publish refused; client disconnected',
    );
  }

  /**
   * aedes authorizeSubscribe: nobody to a filter the operator denies, a device only to its own
   * errors and commands, a technician only to their own dispatch topic; `null` → SUBACK 0x80.
   */
  authorizeSubscribe(
    client: Client,
    sub: Subscription,
    callback: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    if (sub.topic.includes('\u0000')) {
      this.refusedSubscriptions++;
      return callback(null, null);
    }
    const denied = this.#opts.denySubscribe.find((filter) => filterCovers(filter, sub.topic));
    if (denied !== undefined) {
      this.refusedSubscriptions++;
      this.#opts.log.info(
        { client: client.id, topic: sub.topic.slice(0, 200), denied },
        'mqtt subscription refused: filter denied by PURNA_MQTT_DENY_SUBSCRIBE',
      );
      return callback(null, null);
    }
    if (this.#opts.mode === 'open') return callback(null, sub);
    const who = identities.get(client);
    if (who?.kind === 'service') return callback(null, sub);
    if (who?.kind === 'technician') {
      if (sub.topic === topics.technicianDispatch(who.id)) return callback(null, sub);
    }
    const parsed = who?.kind === 'device' ? parseDeviceTopic(sub.topic) : null;
    if (who && parsed && parsed.deviceId === who.id && (parsed.kind === 'errors' || parsed.kind === 'commands'))
      return callback(null, sub);
    this.refusedSubscriptions++;
    this.#opts.log.warn(
      { client: client.id, device: who?.id, topic: sub.topic.slice(0, 200) },
      'mqtt subscription refused',
    );
    callback(null, null);
  }
}
