/**
 * Purna's connection to MQTT, whichever side of it Purna is on: the embedded aedes broker, or a
 * client of an external broker (mosquitto, EMQX, HiveMQ …). The rest of the app sees only this.
 */
export interface BrokerLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes from the platform (errors to devices, dispatches to technicians). */
  publish(topic: string, payload: string | Buffer, qos?: 0 | 1, retain?: boolean): void;
  reportRejection(deviceId: string, reason: string, topic: string): void;
  /** Ready to take telemetry (listening, or connected to the external broker). */
  readonly listening: boolean;
  /** Connected MQTT clients (embedded), or 1/0 for the link itself (external). */
  readonly connectedClients: number;
  /** The MQTTS listener's port, when there is one. */
  readonly tlsPort?: number | null;
  /** Where devices connect. */
  readonly url: string;
}
