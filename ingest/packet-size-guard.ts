// Refuses an oversized MQTT packet when its fixed header announces the size, before its body
// arrives. mqtt-packet (aedes' parser) reads the Remaining Length and then buffers the whole
// body before it emits the packet, so the payload limit in `authorizePublish` ran only after a
// client had made Purna hold everything it sent: 3 PUBLISH of 200 MiB took RSS up by 927 MB.
import { Duplex } from 'node:stream';

/** The largest PUBLISH of `maxPayloadBytes`: the topic (2-byte length, up to 65,535 bytes) and packet id. */
export function maxPacketBytesFor(maxPayloadBytes: number): number {
  return maxPayloadBytes + 2 + 65_535 + 2;
}

export class PacketTooLargeError extends Error {
  readonly announcedBytes: number;
  constructor(announcedBytes: number, maxPacketBytes: number) {
    super(`MQTT packet of ${announcedBytes} bytes announced, over the limit of ${maxPacketBytes}`);
    this.announcedBytes = announcedBytes;
  }
}

/**
 * Follows the packet boundaries of an inbound MQTT byte stream: each packet is a header byte, the
 * Remaining Length (1–4 bytes of 7 bits, least significant first, [MQTT-2.2.3]) and that many
 * bytes, which are skipped without being looked at. Returns the first announced length over the
 * limit, or -1; a fifth length byte (malformed) counts as over the limit.
 */
export class FixedHeaderScanner {
  readonly #maxPacketBytes: number;
  #bodyLeft = 0;
  #inLength = false;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;

  constructor(maxPacketBytes: number) {
    this.#maxPacketBytes = maxPacketBytes;
  }

  scan(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.#bodyLeft > 0) {
        const n = Math.min(this.#bodyLeft, chunk.length - i);
        this.#bodyLeft -= n;
        i += n;
        continue;
      }
      if (!this.#inLength) {
        i++; // the packet type and flags: mqtt-packet checks them
        this.#inLength = true;
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        continue;
      }
      const b = chunk[i++];
      this.#length += (b & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (b & 0x80) {
        if (this.#lengthBytes === 4) return Number.MAX_SAFE_INTEGER;
        continue;
      }
      this.#inLength = false;
      if (this.#length > this.#maxPacketBytes) return this.#length;
      this.#bodyLeft = this.#length;
    }
    return -1;
  }
}

type Connection = Duplex & { remoteAddress?: string };

/**
 * A connection as aedes sees it (its documented `handle(stream)`): the socket's bytes after the
 * scanner, which destroys the connection — the MQTT way to refuse, [MQTT-4.8.0-1] — when a
 * header announces too much. Writes go straight through to the socket.
 */
export class GuardedConnection extends Duplex {
  readonly #socket: Connection;
  readonly #scanner: FixedHeaderScanner;
  readonly #maxPacketBytes: number;

  constructor(socket: Connection, maxPacketBytes: number) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#maxPacketBytes = maxPacketBytes;
    this.#scanner = new FixedHeaderScanner(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('drain', () => this.emit('socketDrain'));
  }

  /** The peer's address, as on a net.Socket (the access rules count per address). */
  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  #onData(chunk: Buffer): void {
    const announced = this.#scanner.scan(chunk);
    if (announced >= 0) {
      this.#socket.pause();
      this.destroy(new PacketTooLargeError(announced, this.#maxPacketBytes));
      return;
    }
    if (!this.push(chunk)) this.#socket.pause();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#socket.write(chunk, encoding)) callback();
    else this.once('socketDrain', () => callback());
  }

  /**
   * mqtt-packet writes a packet in pieces (a PUBACK is three: type, length, packet id) within one
   * cork: they reach the socket as one buffer, one write, rather than as a writev of pieces
   * through the socket's own cork (a PUBACK per message was 8 % of Purna's thread at 10,000 devices).
   */
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    let bytes = 0;
    for (const c of chunks) bytes += c.chunk.length;
    const buf = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const c of chunks) at += c.chunk.copy(buf, at);
    if (this.#socket.write(buf)) callback();
    else this.once('socketDrain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(err);
  }
}
