// The write-ahead log drops a reading only once every sink has it: the telemetry store and, with
// PURNA_NATS_URL, the reading stream. Each sink is handed the same readings in the log's order and
// settles them in that order (a count), so what all sinks have is a prefix of the log whose
// length is the smallest of their counts; the log is confirmed up to that, never past it.

export class SinkConfirmations {
  readonly #settled: number[];
  #confirmed = 0;
  readonly #confirm: (count: number) => void;

  /** `sinks`: how many sinks must settle a reading; `confirm`: the log's confirmation (a count in append order). */
  constructor(sinks: number, confirm: (count: number) => void) {
    this.#settled = new Array<number>(sinks).fill(0);
    this.#confirm = confirm;
  }

  /** Sink `sink` (0 …) settled its next `count` readings. */
  settled(sink: number, count: number): void {
    this.#settled[sink] += count;
    const all = Math.min(...this.#settled);
    if (all > this.#confirmed) {
      const newly = all - this.#confirmed;
      this.#confirmed = all;
      this.#confirm(newly);
    }
  }

  /** Readings every sink has (the log was confirmed up to here). */
  get confirmed(): number {
    return this.#confirmed;
  }
}
