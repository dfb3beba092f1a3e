import { pino, type Logger } from 'pino';

export type { Logger };

/** The root structured logger; parts take child loggers: `log.child({ part: 'ingest' })`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'purna' } });
}
