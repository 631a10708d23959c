/**
 * The log calls protocol code and the SDK make. pino's `Logger` fits this shape, so a component
 * passes its own logger down unchanged; a service embedding the SDK can pass any logger of its own.
 */
export interface Logger {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
}

/** A logger that drops everything: the SDK's default where a caller gives none. */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
