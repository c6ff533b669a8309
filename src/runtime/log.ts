/** Structured logs: a fixed message and fields, one JSON object per line on stderr. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** A {@link Logger} at `level`: 'silent' writes nothing, 'info' all but debug, 'debug' everything. */
export function createLogger(level: 'silent' | 'info' | 'debug'): Logger {
  const write = (lvl: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(
      `${JSON.stringify({ t: new Date().toISOString(), level: lvl, msg: message, ...fields })}\n`,
    );
  return {
    info: (m, f) => level !== 'silent' && write('info', m, f),
    warn: (m, f) => level !== 'silent' && write('warn', m, f),
    debug: (m, f) => level === 'debug' && write('debug', m, f),
  };
}
