import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { parseDeviceTopic, topics } from '../core/topics.ts';
import type { AccessControl } from './access-control.ts';
import type { BrokerLink } from './broker-link.ts';
import type { Ingest } from './ingest.ts';
import { GuardedConnection, PacketTooLargeError } from './packet-size-guard.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  bus: EventBus;
  clock: Clock;
  ingest: Ingest;
  access: AccessControl;
  /** Largest MQTT packet a client may announce (bytes): its connection closes at the fixed header. */
  maxPacketBytes: number;
  /** MQTTS listener (TLS), when a certificate and key are configured. */
  tls?: { host: string; port: number; certPath: string; keyPath: string } | null;
}

/**
 * TCP keep-alive on every MQTT connection: a peer that vanished (power cut, NAT dropped) on a
 * connection with MQTT keep-alive 0 or a long one is found after this much idle time plus
 * libuv's 10 probes 1 s apart, and its will is published.
 */
const TCP_KEEPALIVE_IDLE_MS = 60_000;

function keepAliveTcp(socket: Socket): void {
  socket.setKeepAlive(true, TCP_KEEPALIVE_IDLE_MS);
}

/**
 * The embedded aedes broker. Ingest hangs off aedes' documented hooks (STYLE 8): a telemetry
 * PUBLISH is validated and queued inside `authorizePublish`, which aedes runs before it sends
 * the PUBACK of a QoS 1 message — so the acknowledgement follows Purna having taken the message.
 */
export class EmbeddedBroker implements BrokerLink {
  readonly #opts: EmbeddedBrokerOptions;
  #aedes: Aedes | null = null;
  #server: Server | null = null;
  #tlsServer: TlsServer | null = null;
  #wss: WebSocketServer | null = null;

  constructor(opts: EmbeddedBrokerOptions) {
    this.#opts = opts;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? this.#opts.port;
  }

  get url(): string {
    return `mqtt://localhost:${this.port}`;
  }

  get tlsPort(): number | null {
    return (this.#tlsServer?.address() as AddressInfo | null)?.port ?? null;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  get connectedClients(): number {
    return this.#aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { log, ingest, access } = this.#opts;
    const aedes = await Aedes.createBroker({
      // A client that sends no CONNECT within 10 s is dropped. Every keep-alive MQTT 3.1.1 allows is
      // accepted, 0 ("no keep-alive", [MQTT-3.1.2-10]) included: aedes' keepaliveLimit would refuse
      // 0 with CONNACK 6, a code 3.1.1 does not define, and would answer even a v5 CONNECT with it.
      // Dead peers are found by TCP keep-alive (below) and silent devices by the presence rule.
      connectTimeout: 10_000,
      keepaliveLimit: 0,
      preConnect: (client, packet, callback) => access.preConnect(client, packet, callback),
      authenticate: (client, username, password, done) => access.authenticate(client, username, password, done),
      authorizeSubscribe: (client, sub, callback) => access.authorizeSubscribe(client, sub, callback),
      authorizePublish: (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) => {
        if (client) {
          const refusal = access.checkPublish(client, packet);
          if (refusal) {
            access.refusePublish(client, packet, refusal);
            callback(new Error(refusal));
            return;
          }
          const parsed = parseDeviceTopic(packet.topic);
          if (parsed?.kind === 'telemetry') {
            // The callback (→ PUBACK for QoS 1) runs once the readings are in the write-ahead log.
            ingest.acceptTelemetry(parsed.deviceId, packet.topic, packet.payload as Buffer, callback);
            return;
          }
        }
        callback(null);
      },
    });
    aedes.on('publish', (packet, _client) => {
      // Retained online/offline, the offline one usually the device's last will.
      const parsed = parseDeviceTopic(packet.topic);
      if (parsed?.kind !== 'status') return;
      const text = packet.payload.toString().trim().toLowerCase();
      if (text === 'online' || text === 'offline') ingest.presence.connection(parsed.deviceId, text);
    });
    const onError = (client: Client, err: Error) => {
      if (err instanceof PacketTooLargeError) {
        const ip = (client.conn as { remoteAddress?: string }).remoteAddress;
        log.warn(
          { client: client.id, ip, announcedBytes: err.announcedBytes, maxPacketBytes: this.#opts.maxPacketBytes },
          'mqtt packet over the size limit announced; connection closed',
        );
      } else log.debug({ client: client?.id, err: err.message }, 'mqtt client error');
    };
    aedes.on('clientError', onError);
    aedes.on('connectionError', onError);
    this.#aedes = aedes;

    const server = createServer((socket) => this.#handle(socket));
    server.on('connection', keepAliveTcp);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#opts.port, this.#opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    log.info({ port: this.port, host: this.#opts.host }, 'mqtt broker listening');

    const tls = this.#opts.tls;
    if (tls) {
      const tlsServer = createTlsServer(
        { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath), minVersion: 'TLSv1.2' },
        (socket) => this.#handle(socket),
      );
      tlsServer.on('connection', keepAliveTcp);
      await new Promise<void>((resolve, reject) => {
        tlsServer.once('error', reject);
        tlsServer.listen(tls.port, tls.host, () => {
          tlsServer.off('error', reject);
          resolve();
        });
      });
      this.#tlsServer = tlsServer;
      log.info({ port: this.tlsPort }, 'mqtts (TLS) listener listening');
    }
  }

  /** Every transport's bytes pass the packet-size guard before aedes' parser can buffer them. */
  #handle(conn: Duplex, req?: IncomingMessage): void {
    this.#aedes?.handle(new GuardedConnection(conn, this.#opts.maxPacketBytes), req);
  }

  /**
   * MQTT over WebSocket on an existing HTTP server (the dashboard's), for browser and gateway
   * clients: upgrades on `path` become MQTT connections with the same hooks and limits.
   */
  attachWebSocket(server: HttpServer, path: string): void {
    const aedes = this.#aedes;
    if (!aedes) throw new Error('broker not started');
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if ((req.url ?? '').split('?')[0] !== path) return; // socket.io handles its own path
      keepAliveTcp(socket);
      wss.handleUpgrade(req, socket, head, (ws) => this.#handle(createWebSocketStream(ws), req));
    });
    this.#wss = wss;
  }

  /** Publishes from the platform itself (errors to devices, dispatches to technicians). */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, retain = false): void {
    this.#aedes?.publish(
      {
        cmd: 'publish',
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos,
        retain,
        dup: false,
      },
      () => {},
    );
  }

  reportRejection(deviceId: string, reason: string, topic: string): void {
    this.publish(topics.errors(deviceId), JSON.stringify({ error: reason, topic, tsMs: this.#opts.clock.nowMs() }));
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const aedes = this.#aedes;
    const tlsServer = this.#tlsServer;
    this.#server = null;
    this.#aedes = null;
    this.#tlsServer = null;
    this.#wss?.close();
    this.#wss = null;
    // aedes first: it disconnects the clients, which lets the listening socket close.
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
    if (tlsServer) await new Promise<void>((r) => tlsServer.close(() => r()));
  }
}
