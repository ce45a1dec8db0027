import winston from 'winston';
import { redactValue } from './secrets.js';

/** Every string in a log entry passes through `redact`: arguments hold pins, upstreams echo. */
const redactFields = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) info[key] = redactValue(value);
  return info;
});

/**
 * One JSON logger for the process. Everything goes to stderr so that stdout stays clean for
 * CLI output (`tools --json`, `call`).
 */
export const log = winston.createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  format: winston.format.combine(redactFields(), winston.format.timestamp(), winston.format.json()),
  transports: [
    new winston.transports.Console({
      stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
    }),
  ],
});

export function setLogLevel(level: string | undefined): void {
  if (level) log.level = level;
}
