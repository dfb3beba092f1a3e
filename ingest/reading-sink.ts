// Where accepted readings go after the write-ahead log, besides the telemetry writer: with
// PURNA_NATS_URL the partitioned reading stream (cluster/stream-publisher.ts). A sink takes
// readings in the log's order and reports them settled as a count, in that same order, so the
// log can drop what every sink has (sink-confirmations.ts).
import type { Reading } from '../core/types.ts';

export interface ReadingSink {
  enqueue(readings: readonly Reading[]): void;
  /** Registers the one listener of settlements: the oldest `count` readings not yet reported are safe in this sink. */
  onSettled(settled: (count: number) => void): void;
  /** Settles what it can within its own deadline, then stops; what is left replays from the log. */
  stop(): Promise<void>;
}
