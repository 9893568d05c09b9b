/**
 * JSON logs through pino. Every line about a study carries `study` (namespace/name); every line
 * about a trial also carries `trial`; so `jq 'select(.study=="ns/x")'` follows one study.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level; default `info` (env LORAHPO_LOG_LEVEL). */
  level?: string;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LORAHPO_LOG_LEVEL ?? 'info';
  const base = { name: 'lorahpo-operator' };
  return options.destination ? pino({ level, base }, options.destination) : pino({ level, base });
}

/** A logger that writes nothing (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
