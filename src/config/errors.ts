/** A configuration problem that stops start-up; the message names the offending path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
