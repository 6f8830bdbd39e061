// Structured logs: one JSON line per notable event, `{time, level, event, ...fields}`,
// so that a log shipper can index them without parsing sentences.
//
// What reaches a log is chosen field by field by the caller: never a request
// body, an event, a URL's query string (a client may put anything there) or
// a header. As a second line of defence, fields whose names look like they
// hold a credential or recorded content are replaced before writing.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** The least severe level written (default info). */
  level?: LogLevel;
  /** Where a line goes (default: stdout). */
  write?: (line: string) => void;
  now?: () => number;
}

const NEVER_LOGGED = /token|authorization|secret|password|cookie|^body$|^events?$|payload/i;

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const at = (level: Exclude<LogLevel, 'silent'>) => (event: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const line: LogFields = {time: new Date(now()).toISOString(), level, event};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      line[key] = NEVER_LOGGED.test(key) ? '[not logged]' : value instanceof Error ? describeError(value) : value;
    }
    try {
      write(JSON.stringify(line));
    } catch {
      // A log line must never take a request down with it (a circular field, a closed stdout).
    }
  };
  return {debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error')};
}

/** A logger that writes nothing: the default of a collector started from code. */
export const silentLogger: Logger = createLogger({level: 'silent'});

function describeError(error: Error): LogFields {
  const code = (error as NodeJS.ErrnoException).code;
  return {name: error.name, message: error.message, ...(code && {code}), ...(error.stack && {stack: error.stack})};
}
