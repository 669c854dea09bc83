/**
 * A JSON parser that keeps numbers as their source text, so that int64 values beyond 2^53
 * (e.g. `TimeInfo.nanoseconds`) survive until the codec knows each field's type.
 */

/** A JSON number kept as written. */
export class JsonNumber {
  constructor(readonly raw: string) {}
  toNumber(): number {
    return Number(this.raw);
  }
}

/** A parsed JSON value whose numbers are {@link JsonNumber}s. */
export type LosslessJson =
  | null
  | boolean
  | string
  | JsonNumber
  | LosslessJson[]
  | { [key: string]: LosslessJson };

/** Thrown for text that is not JSON; carries the offset of the problem. */
export class JsonSyntaxError extends SyntaxError {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text, keeping every number's source text. */
export function parseLosslessJson(text: string): LosslessJson {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(what, pos);
  };
  const skipWs = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    while (pos < text.length) {
      const c = text[pos];
      if (c === '"') {
        pos++;
        try {
          return JSON.parse(text.slice(start, pos));
        } catch {
          pos = start;
          return fail("Invalid string");
        }
      }
      pos += c === "\\" ? 2 : 1;
    }
    return fail("Unterminated string");
  };
  const parseValue = (): LosslessJson => {
    skipWs();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: { [key: string]: LosslessJson } = {};
      skipWs();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail("Expected a string key");
        const key = parseString();
        skipWs();
        if (text[pos] !== ":") fail("Expected ':'");
        pos++;
        obj[key] = parseValue();
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return obj;
        }
        fail("Expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      const arr: LosslessJson[] = [];
      skipWs();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        fail("Expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith("null", pos)) {
      pos += 4;
      return null;
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail(pos >= text.length ? "Unexpected end of JSON" : "Unexpected character");
  };
  const value = parseValue();
  skipWs();
  if (pos !== text.length) fail("Unexpected trailing data");
  return value;
}
