/**
 * Command-line tokenizing and value parsing shared by the programs' configurations (pure).
 * Accepts Go-style `-flag=value` / `--flag=value`, GNU-style `--flag value` / `-flag value`,
 * and booleans as `--flag`, `--flag=false` or `--flag false`.
 *
 * @module
 */

/** A bad flag or value; `flag` is the flag as written (`--cluster-size`), or the env name. */
export class ConfigError extends Error {
  /** The flag or environment variable at fault. */
  readonly flag: string;
  /** The offending value, when there is one. */
  readonly value: string | undefined;

  /** Creates the error with a message naming `flag` and `value`. */
  constructor(flag: string, value: string | undefined, message: string) {
    super(message);
    this.name = "ConfigError";
    this.flag = flag;
    this.value = value;
  }
}

/** One `name=value` pair found on the command line. */
export interface FlagToken {
  /** The name without dashes, e.g. `cluster-size`. */
  name: string;
  /** The flag as the user wrote it, for messages (`-cluster-size`). */
  written: string;
  /** `undefined` for a bare boolean flag. */
  value: string | undefined;
}

const BOOL_LITERAL = /^(true|false)$/i;

/**
 * Splits `args` into flag tokens. `isBool(name)` says which flags take no value; `known(name)`
 * rejects unknown flags early so their value is not mistaken for a positional argument.
 *
 * @throws {ConfigError} naming an unknown flag, a flag without its value, or a stray argument.
 */
export function tokenize(
  args: readonly string[],
  known: (name: string) => boolean,
  isBool: (name: string) => boolean,
): FlagToken[] {
  const out: FlagToken[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      if (i + 1 < args.length) {
        throw new ConfigError(
          args[i + 1]!,
          undefined,
          `Unexpected argument ${JSON.stringify(args[i + 1])}`,
        );
      }
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      throw new ConfigError(
        arg,
        undefined,
        `Unexpected argument ${JSON.stringify(arg)}: flags start with -`,
      );
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const written = arg.slice(0, arg.length - body.length) + name;
    if (!known(name)) {
      throw new ConfigError(written, undefined, `Unknown flag ${written} (see --help)`);
    }
    if (eq >= 0) {
      out.push({ name, written, value: body.slice(eq + 1) });
    } else if (isBool(name)) {
      const next = args[i + 1];
      if (next !== undefined && BOOL_LITERAL.test(next)) {
        out.push({ name, written, value: next });
        i++;
      } else {
        out.push({ name, written, value: undefined });
      }
    } else {
      const next = args[i + 1];
      if (next === undefined) {
        throw new ConfigError(written, undefined, `Missing value for ${written}`);
      }
      out.push({ name, written, value: next });
      i++;
    }
  }
  return out;
}

/** The message of every parse error: `Cannot parse <flag> "<value>": expected <what>`. */
export function badValue(flag: string, value: string, expected: string): ConfigError {
  return new ConfigError(
    flag,
    value,
    `Cannot parse ${flag} ${JSON.stringify(value)}: expected ${expected}`,
  );
}

/** Go's `strconv.ParseBool`: 1, t, T, TRUE, true, True and their false forms. */
export function parseBool(flag: string, value: string): boolean {
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw badValue(flag, value, "true or false");
}

/** An integer within `[min, max]`. */
export function parseIntIn(flag: string, value: string, min: number, max: number): number {
  const n = /^-?[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badValue(flag, value, `an integer ${min}..${max}`);
  }
  return n;
}

/** A finite number `>= min` (or `> min` when `exclusive`). */
export function parseNumber(flag: string, value: string, min: number, exclusive = false): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min || (exclusive && n === min)) {
    throw badValue(flag, value, `a number ${exclusive ? ">" : ">="} ${min}`);
  }
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: Go syntax (`500ms`, `5s`, `1m30s`, `2h`) or a bare number of
 * seconds (`240`). Must be `> 0` unless `allowZero`.
 */
export function parseDuration(flag: string, value: string, allowZero = false): number {
  const v = value.trim();
  let ms: number;
  if (/^[0-9]+(\.[0-9]+)?$/.test(v)) {
    ms = Number(v) * 1000;
  } else if (/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(v)) {
    ms = 0;
    for (const [, num, unit] of v.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
      ms += Number(num) * UNIT_MS[unit!]!;
    }
  } else {
    throw badValue(flag, value, "a duration like 5s, 500ms, 1m30s or a number of seconds");
  }
  if (!Number.isFinite(ms) || (ms === 0 && !allowZero)) {
    throw badValue(flag, value, allowZero ? "a duration >= 0" : "a duration > 0");
  }
  return Math.round(ms);
}

/** A TCP port 0..65535 (0: pick a free one). */
export function parsePort(flag: string, value: string): number {
  return parseIntIn(flag, value, 0, 65535);
}

/** One flag of a command line (also rendered into the README's flag tables). */
export interface FlagSpec<C> {
  name: string;
  /** Shown in usage as the default. */
  def: string;
  help: string;
  env?: string[];
  bool?: boolean;
  apply: (c: C, value: string, flag: string) => void;
}

/** `-v` and `--log-json`, shared by every program that logs. */
export function loggingFlagSpecs<C extends { verbosity: number; logJson: boolean }>(): FlagSpec<
  C
>[] {
  return [
    {
      name: "v",
      def: "0",
      env: ["VERBOSITY"],
      help: "log verbosity (glog style; 1 or more: debug)",
      apply: (c, v, f) => c.verbosity = parseIntIn(f, v, 0, 10),
    },
    {
      name: "log-json",
      def: "false",
      bool: true,
      help: "log JSON lines instead of text",
      apply: (c, v, f) => c.logJson = parseBool(f, v),
    },
  ];
}
