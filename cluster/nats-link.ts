// The worker's connection to NATS (PURNA_NATS_URL). Start-up does not wait for it: ingest keeps
// acknowledging into the write-ahead log while NATS is away (the stream publisher retries), so
// the connection is made in the background, retried for ever, and the reading stream is created
// (or its retention brought up to date) each time it connects.

import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../core/log.ts';
import { ensureReadingStream, type ReadingStreamOptions } from './reading-stream.ts';

export interface NatsLinkOptions {
  /** PURNA_NATS_URL: one URL or several, comma-separated. */
  url: string;
  /** The connection's name as the server shows it (the worker id). */
  name: string;
  log: Logger;
  stream: ReadingStreamOptions;
}

export class NatsLink {
  readonly #opts: NatsLinkOptions;
  #nc: NatsConnection | null = null;
  #js: JetStreamClient | null = null;
  #jsm: JetStreamManager | null = null;
  #streamReady = false;
  #stopped = false;
  #connected: Promise<NatsConnection> | null = null;

  constructor(opts: NatsLinkOptions) {
    this.#opts = opts;
  }

  /** Begins connecting; resolves at once. `connected()` waits for the first connection. */
  start(): void {
    const { url, name, log } = this.#opts;
    this.#connected = connect({
      servers: url.split(',').map((s) => s.trim()),
      name,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    }).then(async (nc) => {
      if (this.#stopped) {
        await nc.close();
        throw new Error('stopped');
      }
      this.#nc = nc;
      this.#js = jetstream(nc);
      log.info({ server: nc.getServer() }, 'connected to NATS');
      void this.#watch(nc);
      await this.#ensureStream();
      return nc;
    });
    this.#connected.catch((err) => {
      if (!this.#stopped) log.error({ err: (err as Error).message }, 'NATS connection failed');
    });
  }

  /** The JetStream client once connected (null before: callers treat it as NATS away). */
  jetstream(): JetStreamClient | null {
    return this.#js;
  }

  /** The connection, once made (waits for it). */
  async connected(): Promise<NatsConnection> {
    if (!this.#connected) throw new Error('NatsLink not started');
    return this.#connected;
  }

  /** Whether the reading stream exists as configured (made after each connect). */
  get streamReady(): boolean {
    return this.#streamReady;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const nc = this.#nc;
    this.#nc = null;
    this.#js = null;
    if (nc && !nc.isClosed()) {
      // Drain: what was published goes out and subscriptions end cleanly; bounded, then closed.
      await Promise.race([nc.drain().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
      if (!nc.isClosed()) await nc.close();
    }
  }

  async #ensureStream(): Promise<void> {
    const nc = this.#nc;
    if (!nc) return;
    try {
      this.#jsm ??= await jetstreamManager(nc);
      await ensureReadingStream(this.#jsm, this.#opts.stream);
      this.#streamReady = true;
    } catch (err) {
      // The publisher's retries find it once a later try made it.
      this.#opts.log.warn({ err: (err as Error).message }, 'could not create the reading stream yet; trying again');
      if (!this.#stopped) setTimeout(() => void this.#ensureStream(), 2000).unref();
    }
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.#opts.log.warn({ server: s.server }, 'NATS connection lost; reconnecting');
      else if (s.type === 'reconnect') {
        this.#opts.log.info({ server: s.server }, 'NATS connection back');
        if (!this.#streamReady) await this.#ensureStream();
      }
    }
  }
}
