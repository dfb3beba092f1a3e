// Oversized MQTT packets are refused at their fixed header, before Purna buffers the body: the
// scanner on hand-made byte streams, then a real Purna process whose memory is read from /proc.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { FixedHeaderScanner } from '../../ingest/packet-size-guard.ts';
import { startPurnaProcess, type PurnaProcess } from '../support/purna-process.ts';

/** MQTT's Remaining Length encoding [MQTT-2.2.3]. */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return Buffer.from(out);
}
const str = (v: string) => {
  const b = Buffer.from(v);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const packet = (first: number, body: Buffer) =>
  Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);

describe('FixedHeaderScanner', () => {
  it('follows packet boundaries across chunks and finds the first announced length over the limit', () => {
    const small = packet(0x30, Buffer.concat([str('a/b'), Buffer.alloc(300)])); // 2-byte length
    const ping = Buffer.from([0xc0, 0x00]);
    const huge = Buffer.concat([Buffer.from([0x30]), remainingLength(200 * 1024 * 1024)]);
    const stream = Buffer.concat([small, ping, small, huge]);
    // Every split point: the header and its length bytes may arrive one byte at a time.
    for (const split of [1, 2, 3, 150, small.length + 1, stream.length - 2]) {
      const scanner = new FixedHeaderScanner(1000);
      const first = scanner.scan(stream.subarray(0, split));
      const second = scanner.scan(stream.subarray(split));
      expect(first === -1 ? second : first, `split at ${split}`).toBe(200 * 1024 * 1024);
    }
    const scanner = new FixedHeaderScanner(1000);
    expect(scanner.scan(Buffer.concat([small, ping, small]))).toBe(-1);
    expect(new FixedHeaderScanner(1000).scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeGreaterThan(1000); // 5 length bytes
  });
});

describe('a client announcing a huge PUBLISH, against a Purna process', () => {
  const ANNOUNCED = 200 * 1024 * 1024;
  const dataDir = mkdtempSync(join(tmpdir(), 'purna-oversize-'));
  let purna: PurnaProcess;
  let port: number;
  beforeAll(async () => {
    purna = await startPurnaProcess({ PURNA_DATA_DIR: dataDir });
    port = Number(new URL(purna.mqttUrl).port);
  });
  afterAll(async () => {
    purna?.child.kill('SIGTERM');
    await purna?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });
  const rssBytes = () =>
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${purna.child.pid}/status`, 'utf8'))![1]) * 1024;

  /** A raw MQTT 3.1.1 session (open mode), CONNACK received. */
  function rawSession(clientId: string): Promise<{ socket: Socket; closed: () => boolean }> {
    return new Promise((resolve, reject) => {
      let closed = false;
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)])));
      });
      socket.once('data', (d) =>
        d[0] === 0x20 && d[3] === 0
          ? resolve({ socket, closed: () => closed })
          : reject(new Error(`CONNACK ${[...d]}`)),
      );
      socket.on('close', () => (closed = true));
      socket.on('error', () => {});
    });
  }
  const hugeHeader = () => {
    const topic = str(topics.telemetry('huge-0001'));
    return Buffer.concat([Buffer.from([0x30]), remainingLength(topic.length + ANNOUNCED), topic]);
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a header announcing 200 MiB, then a trickle: Purna closes the connection before the body comes', async () => {
    const { socket, closed } = await rawSession('huge-0001');
    socket.write(hugeHeader());
    let bodySent = 0;
    // At most 100 trickles of 1 KiB (10 s); the connection must close long before.
    for (let i = 0; i < 100 && !closed(); i++) {
      socket.write(Buffer.alloc(1024, 0x20));
      bodySent += 1024;
      await pause(100);
    }
    expect(closed()).toBe(true);
    expect(bodySent).toBeLessThanOrEqual(8 * 1024);
    socket.destroy();
    // The refusal is logged with its reason (LOG_LEVEL warn in the process).
    expect(purna.output()).toMatch(
      /"announcedBytes":2097152\d\d.*mqtt packet over the size limit announced; connection closed/,
    );
  });

  it('three clients sending 200 MiB PUBLISH bodies at full speed are cut off early; RSS does not grow by the announced size; others publish on', async () => {
    const before = rssBytes();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes())), 20);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const flood = async (clientId: string) => {
      const { socket, closed } = await rawSession(clientId);
      socket.write(hugeHeader());
      let sent = 0;
      const until = Date.now() + 30_000;
      while (!closed() && sent < ANNOUNCED && Date.now() < until) {
        if (!socket.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => (socket.off('drain', done), socket.off('close', done), resolve());
            socket.on('drain', done);
            socket.on('close', done);
          });
        }
        sent += chunk.length;
      }
      socket.destroy();
      return sent;
    };
    const sent = await Promise.all(['huge-0002', 'huge-0003', 'huge-0004'].map(flood));
    await pause(500);
    clearInterval(sampler);
    // What the kernel's socket buffers took before the reset, a few MiB, never the 200 MiB.
    for (const s of sent) expect(s).toBeLessThan(32 * 1024 * 1024);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);

    const ok = await mqtt.connectAsync(purna.mqttUrl, {
      clientId: 'normal-0001',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    // The largest payload allowed (256 KiB) still goes through: the guard's bound is a whole PUBLISH.
    await ok.publishAsync(topics.telemetry('normal-0001'), Buffer.alloc(256 * 1024, 0x20), { qos: 1 });
    await ok.publishAsync(topics.telemetry('normal-0001'), JSON.stringify({ temperature: 40 }), { qos: 1 });
    expect(ok.connected).toBe(true);
    await ok.endAsync();
  });
});
