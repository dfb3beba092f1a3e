// Ingest with PURNA_NATS_URL: every acknowledged reading reaches the partitioned stream once,
// also when it was acknowledged while NATS was down (the write-ahead log holds it until both
// the store and the stream have it), and also when Purna was killed before NATS came back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { partitionOf, READINGS_STREAM, subjectOf } from '../../cluster/partition.ts';
import { decodeReading } from '../../cluster/reading-stream.ts';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { type LocalNats, startNats } from '../support/nats.ts';
import { type PurnaProcess, startPurnaProcess } from '../support/purna-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-stream-'));
let nats: LocalNats;
let purna: PurnaProcess | null = null;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  purna?.child.kill('SIGKILL');
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every reading in the stream: its subject and timestamp (read with an ordered consumer). */
async function streamContents(): Promise<{ subject: string; tsMs: number; deviceId: string }[]> {
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(READINGS_STREAM)).state.messages;
    const out: { subject: string; tsMs: number; deviceId: string }[] = [];
    if (total === 0) return out;
    const consumer = await jetstream(nc).consumers.get(READINGS_STREAM);
    while (out.length < total) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      for await (const m of batch) {
        const r = decodeReading(m.data);
        out.push({ subject: m.subject, tsMs: r.tsMs, deviceId: r.deviceId });
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

async function streamCount(): Promise<number> {
  const nc = await connect({ servers: nats.url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(READINGS_STREAM)).state.messages;
  } catch {
    return 0; // not created yet
  } finally {
    await nc.close();
  }
}

it('acknowledged readings reach the stream once: NATS up, NATS down, and Purna killed while NATS is down', async () => {
  // A small log (segments of 128 KiB, rotated away once confirmed): a log that dropped what only
  // the store has would have deleted step 3's readings before the kill.
  const env = {
    PURNA_DATA_DIR: dataDir,
    PURNA_NATS_URL: nats.url,
    PURNA_PARTITIONS: '16',
    PURNA_WAL_MAX_BYTES: String(1024 * 1024),
  };
  purna = await startPurnaProcess(env);
  const deviceId = 'pump-stream-0001';
  const t0 = Date.now() - 3_600_000;
  const acked: number[] = [];
  const publish = async (from: number, count: number) => {
    const load = await startQoS1Load(purna!.mqttUrl, deviceId, { t0: t0 + from, maxMessages: count, maxMs: 30_000 });
    await waitFor(() => load.acked.length >= count, 30_000, `${count} acknowledged`);
    await load.stop();
    acked.push(...load.acked);
  };

  // 1. NATS up: published as they come.
  await publish(0, 300);
  await waitFor(async () => (await streamCount()) >= 300, 20_000, '300 readings in the stream');

  // 2. NATS down: still acknowledged (the log is before the PUBACK); in the stream once it is back.
  await nats.halt();
  await publish(300, 200);
  await nats.start();
  await waitFor(async () => (await streamCount()) >= 500, 30_000, '500 readings in the stream after NATS came back');

  // 3. NATS down, then Purna killed: the log replays at the next start into the stream.
  await nats.halt();
  await publish(500, 1500);
  purna.child.kill('SIGKILL');
  await purna.exited;
  await nats.start();
  purna = await startPurnaProcess(env);
  await waitFor(async () => (await streamCount()) >= 2000, 30_000, '2000 readings in the stream after the restart');
  // A moment more: a duplicate would arrive now if the replay were not deduplicated.
  await new Promise((r) => setTimeout(r, 1000));

  const contents = await streamContents();
  expect(acked.length).toBe(2000);
  // Once each: every acknowledged timestamp, no duplicates, no other.
  expect(contents.length).toBe(2000);
  expect(new Set(contents.map((c) => c.tsMs))).toEqual(new Set(acked));
  // On the subject of the device's partition (FNV-1a of its id mod 16).
  expect(new Set(contents.map((c) => c.subject))).toEqual(new Set([subjectOf(partitionOf(deviceId, 16))]));
  // /metrics: nothing left to publish; this one worker leases every partition.
  const metric = async (name: string) => {
    const text = await (await fetch(`${purna!.httpUrl}metrics`)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };
  await waitFor(async () => (await metric('purna_partitions_held')) === 16, 20_000, 'all 16 partitions held');
  expect(await metric('purna_stream_pending')).toBe(0);
  expect(await metric('purna_stream_published_total')).toBeGreaterThanOrEqual(1500); // this run's: the replay
  purna.child.kill('SIGTERM');
  await purna.exited;
  purna = null;
}, 180_000);
