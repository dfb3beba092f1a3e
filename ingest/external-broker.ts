import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { parseDeviceTopic, topics } from '../core/topics.ts';
import type { BrokerLink } from './broker-link.ts';
import type { Ingest } from './ingest.ts';

export interface ExternalBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  /** Client id of this worker: with a persistent session the broker keeps its QoS 1 backlog while it is away. */
  clientId: string;
  /** MQTT 5 shared subscription group: several Purna workers split the devices' messages. */
  shareGroup?: string;
  log: Logger;
  clock: Clock;
  ingest: Ingest;
}

/**
 * External-broker mode: Purna does not embed a broker; it subscribes to every device's telemetry
 * and status on an existing broker with a persistent session at QoS 1 (MQTT 5). The PUBACK to the broker
 * is held until the readings are in the write-ahead log (MQTT.js customHandleAcks), so a
 * message the broker considers delivered is durable here.
 */
export class ExternalBroker implements BrokerLink {
  readonly #opts: ExternalBrokerOptions;
  #client: MqttClient | null = null;
  /** A reconnect to have refused messages delivered again is under way. */
  #redelivering = false;

  constructor(opts: ExternalBrokerOptions) {
    this.#opts = opts;
  }

  get url(): string {
    return this.#opts.url;
  }

  get listening(): boolean {
    return this.#client?.connected ?? false;
  }

  get connectedClients(): number {
    return this.listening ? 1 : 0;
  }

  async start(): Promise<void> {
    const { ingest, log, shareGroup } = this.#opts;
    const options: IClientOptions = {
      clientId: this.#opts.clientId,
      username: this.#opts.username || undefined,
      password: this.#opts.password || undefined,
      // MQTT 5: MQTT.js lets a client hold a PUBACK (customHandleAcks) only on v5 connections, and
      // shared subscriptions are v5 too. mosquitto 2, EMQX, HiveMQ and VerneMQ speak it.
      protocolVersion: 5,
      clean: false,
      // The broker keeps this worker's session and QoS 1 backlog for a day while it is away.
      properties: { sessionExpiryInterval: 24 * 3600 },
      reconnectPeriod: 1000,
      customHandleAcks: (topic, message, _packet, done) => {
        const parsed = parseDeviceTopic(topic);
        if (parsed?.kind === 'telemetry') {
          ingest.acceptTelemetry(parsed.deviceId, topic, message, (err) => {
            if (!err) return done(0);
            done(err); // no PUBACK
            this.#redeliver(client);
          });
          return;
        }
        if (parsed?.kind === 'status') this.#status(parsed.deviceId, message);
        done(0);
      },
    };
    const client = mqtt.connect(this.#opts.url, options);
    client.on('message', (topic, message, packet) => {
      if (packet.qos > 0) return; // QoS 1/2 were handled before their acknowledgement
      const parsed = parseDeviceTopic(topic);
      if (parsed?.kind === 'telemetry') ingest.acceptTelemetry(parsed.deviceId, topic, message, () => {});
      else if (parsed?.kind === 'status') this.#status(parsed.deviceId, message);
    });
    client.on('error', (err) => log.warn({ err: err.message }, 'external broker error'));
    client.on('offline', () => log.warn({ url: this.#opts.url }, 'external broker unreachable; reconnecting'));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const prefix = shareGroup ? `$share/${shareGroup}/` : '';
    await client.subscribeAsync({
      [`${prefix}purna/v1/devices/+/telemetry`]: { qos: 1 },
      [`${prefix}purna/v1/devices/+/status`]: { qos: 1 },
    });
    this.#client = client;
    log.info({ url: this.#opts.url, shareGroup: shareGroup || undefined }, 'ingesting from external mqtt broker');
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, retain = false): void {
    if (!this.#client) throw new Error('external broker not connected');
    this.#client.publish(topic, payload, { qos, retain });
  }

  reportRejection(deviceId: string, reason: string, topic: string): void {
    this.#client?.publish(
      topics.errors(deviceId),
      JSON.stringify({ error: reason, topic, tsMs: this.#opts.clock.nowMs() }),
      { qos: 0 },
    );
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (client) await client.endAsync();
  }

  /**
   * A message Purna could not take (its disk is full) stays unacknowledged, and the broker
   * resends an unacknowledged PUBLISH only when the session resumes (MQTT 5 §4.4): without a
   * reconnect it would hold it — and, its in-flight window full, everything after it — for
   * ever. So the connection is dropped once; MQTT.js reconnects a second later and the broker
   * delivers again, as a device resends to the embedded broker after it closed the connection.
   */
  #redeliver(client: MqttClient): void {
    if (this.#redelivering) return;
    this.#redelivering = true;
    client.once('connect', () => (this.#redelivering = false));
    client.stream.destroy();
  }

  #status(deviceId: string, message: Buffer): void {
    const text = message.toString().trim().toLowerCase();
    if (text === 'online' || text === 'offline') this.#opts.ingest.presence.connection(deviceId, text);
  }
}
