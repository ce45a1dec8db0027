import winston from 'winston';
import { MESSAGE, StderrLines } from './log-stream.js';
import { redactValue } from './secrets.js';

const fallbackJson = winston.format.json();

/**
 * The line as one JSON object: time, level, message, then the fields, every string passed
 * through `redact` (arguments hold pins, upstreams echo). One format instead of a chain of
 * three (redact, timestamp, json): every request logs a line, and the chain cost twice as much.
 * `JSON.stringify` throws on cycles and BigInts; such an entry takes logform's safe serializer.
 */
const jsonLine = winston.format((info) => {
  // winston formats every entry before its transports filter by level: a debug line would cost
  // a whole JSON line on every call at info.
  if (!log.isLevelEnabled(info.level)) return false;
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level: info.level, message: redactValue(info.message) };
  // Redacted in place too: a transport may read the entry's fields rather than the line.
  for (const key of Object.keys(info)) if (key !== 'level' && key !== 'message') entry[key] = info[key] = redactValue(info[key]);
  try {
    info[MESSAGE] = JSON.stringify(entry);
    return info;
  } catch {
    return fallbackJson.transform(Object.assign(info, entry), {});
  }
});

/**
 * One JSON logger for the process. Everything goes to stderr so that stdout stays clean for
 * CLI output (`tools --json`, `call`).
 */
export const log = winston.createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  format: jsonLine(),
  transports: [new StderrLines()],
});

export function setLogLevel(level: string | undefined): void {
  if (level) log.level = level;
}
