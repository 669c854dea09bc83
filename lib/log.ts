/**
 * A small leveled logger with `key=value` fields (or JSON lines), glog-style
 * verbosity mapping, secret redaction and in-memory/silent variants for tests.
 *
 * Library code never writes to the console: it receives a {@linkcode Logger}.
 *
 * @module
 */

/** Severity of a log line, from most to least verbose. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** An injected logger. Fields are redacted with {@linkcode redact} before output. */
export interface Logger {
  /** Verbose diagnostics (shown with `-v=1` or higher). */
  debug(msg: string, fields?: LogFields): void;
  /** Normal operational events. */
  info(msg: string, fields?: LogFields): void;
  /** Something unexpected that the program recovers from. */
  warn(msg: string, fields?: LogFields): void;
  /** A failure that needs attention. */
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

/** One structured log line, as kept by {@linkcode memoryLogger}. */
export interface LogRecord {
  level: LogLevel;
  /** Milliseconds since the epoch. */
  time: number;
  msg: string;
  /** Already redacted. */
  fields: LogFields;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lowest level written; default `"info"`. */
  level?: LogLevel;
  /** Write one JSON object per line instead of `LEVEL time msg k=v`. */
  json?: boolean;
  /** Receives each formatted line (without newline); default writes to stderr. */
  sink?: (line: string, record: LogRecord) => void;
  /** Fields added to every line. */
  fields?: LogFields;
  /** Time source in ms since the epoch; default `Date.now`. */
  now?: () => number;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SECRET_KEY = /secret|passw(or)?d|^pass$|token|authorization|credential/i;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:)[^@\s/]*@/gi;
const REDACTED = "***";

/**
 * Parses a level name (case-insensitive; `warning` is accepted for `warn`).
 *
 * @throws {RangeError} naming the value when it is not a level.
 */
export function parseLogLevel(value: string): LogLevel {
  const v = value.trim().toLowerCase();
  if (v === "warning") return "warn";
  if (v === "debug" || v === "info" || v === "warn" || v === "error") return v;
  throw new RangeError(
    `Cannot parse log level ${JSON.stringify(value)}: expected debug, info, warn or error`,
  );
}

/**
 * Maps a glog-style `-v` verbosity to a level: `0` is `info`, `1` and above
 * are `debug`.
 *
 * @throws {RangeError} naming the value when it is not a non-negative integer.
 */
export function levelFromVerbosity(v: number): LogLevel {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`Cannot use verbosity ${v}: expected an integer >= 0`);
  }
  return v >= 1 ? "debug" : "info";
}

/**
 * Returns a copy of `fields` in which values under secret-looking keys
 * (secret, password, passwd, pass, token, authorization, credential) are replaced by
 * `"***"`, nested plain objects are redacted too, and passwords inside URLs
 * (`scheme://user:pass@host`) are masked.
 */
export function redact(fields: LogFields): LogFields {
  return redactValue(fields, 0) as LogFields;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactString(value);
  if (value instanceof URL) return redactString(value.href);
  if (value instanceof Error || depth > 5) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value !== null && typeof value === "object" && isPlainObject(value)) {
    const out: LogFields = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined ? REDACTED : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}

function redactString(s: string): string {
  return s.includes("@") ? s.replace(URL_USERINFO, `$1${REDACTED}@`) : s;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Formats one field value for the text format: bare when safe, else JSON-quoted. */
function formatValue(value: unknown): string {
  if (value instanceof Error) return formatValue(value.message);
  if (typeof value === "string") {
    return value !== "" && /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
  }
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && value !== null && !(value instanceof URL)) {
    return safeJson(value);
  }
  return String(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v) ??
      "undefined";
  } catch {
    return JSON.stringify(String(value));
  }
}

function toJsonable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error
      ? v.message
      : v instanceof URL
      ? v.href
      : typeof v === "bigint"
      ? v.toString()
      : v;
  }
  return out;
}

/** Formats a record as `LEVEL time msg key=value...`. */
export function formatText(record: LogRecord): string {
  const parts = [
    record.level.toUpperCase(),
    new Date(record.time).toISOString(),
    record.msg,
  ];
  for (const [k, v] of Object.entries(record.fields)) parts.push(`${k}=${formatValue(v)}`);
  return parts.join(" ");
}

/** Formats a record as one JSON object: `{"level","time","msg",...fields}`. */
export function formatJson(record: LogRecord): string {
  return safeJson({
    ...toJsonable(record.fields),
    level: record.level,
    time: new Date(record.time).toISOString(),
    msg: record.msg,
  });
}

const encoder = new TextEncoder();

/** Writes a line to stderr synchronously, looping over partial writes. */
function writeStderr(line: string): void {
  let bytes = encoder.encode(line + "\n");
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
  } catch {
    // stderr closed: nothing sensible left to do with a log line.
  }
}

class SinkLogger implements Logger {
  #min: number;
  #fields: LogFields;
  #emit: (record: LogRecord) => void;
  #now: () => number;

  constructor(min: number, fields: LogFields, emit: (r: LogRecord) => void, now: () => number) {
    this.#min = min;
    this.#fields = fields;
    this.#emit = emit;
    this.#now = now;
  }

  #log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LEVEL_RANK[level] < this.#min) return;
    const merged = fields ? { ...this.#fields, ...fields } : this.#fields;
    this.#emit({ level, time: this.#now(), msg, fields: redact(merged) });
  }

  debug(msg: string, fields?: LogFields): void {
    this.#log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#log("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#log("error", msg, fields);
  }
  child(fields: LogFields): Logger {
    return new SinkLogger(this.#min, { ...this.#fields, ...fields }, this.#emit, this.#now);
  }
}

/**
 * Creates a logger writing `LEVEL time msg key=value...` lines (or JSON lines)
 * to stderr, or to `sink` when given.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: levelFromVerbosity(1) });
 * log.child({ component: "detector" }).info("leader changed", { url: "http://m1:5050" });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.json ? formatJson : formatText;
  const sink = options.sink ?? ((line: string) => writeStderr(line));
  return new SinkLogger(
    LEVEL_RANK[options.level ?? "info"],
    options.fields ?? {},
    (record) => sink(format(record), record),
    options.now ?? Date.now,
  );
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A logger that keeps what it writes, for assertions in tests. */
export interface MemoryLogger extends Logger {
  /** Formatted lines (text or JSON format), oldest first; shared with children. */
  readonly lines: string[];
  /** Structured records, oldest first; shared with children. */
  readonly records: LogRecord[];
  /** Forgets everything kept so far. */
  clear(): void;
}

/**
 * Creates a {@linkcode MemoryLogger}; `level` defaults to `"debug"` so tests
 * can see everything.
 */
export function memoryLogger(options: Omit<LoggerOptions, "sink"> = {}): MemoryLogger {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const logger = createLogger({
    ...options,
    level: options.level ?? "debug",
    sink: (line, record) => {
      lines.push(line);
      records.push(record);
    },
  });
  return Object.assign(logger, {
    lines,
    records,
    clear() {
      lines.length = 0;
      records.length = 0;
    },
  });
}
