/**
 * Seeded fuzzing helpers for the wire decoders: a small deterministic PRNG and mutators
 * for raw bytes and for JSON documents. A failing case is replayed from its seed alone.
 * Test support only.
 *
 * @module
 */
import { concatBytes } from "../../bytes.ts";

/** A deterministic source of random numbers (mulberry32), replayable from its seed. */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed | 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty array");
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

/** Bytes that often hit edge cases in varint, length and UTF-8 handling. */
const NASTY_BYTES = [0x00, 0x0a, 0x30, 0x39, 0x7f, 0x80, 0xc0, 0xef, 0xfe, 0xff];

/**
 * Applies 1–4 random byte-level mutations to a copy of `input`: bit flips, byte
 * replacements, insertions, deletions, truncation and duplicated slices.
 */
export function mutateBytes(rnd: SeededRandom, input: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice();
  const rounds = 1 + rnd.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rnd.int(b.length + 1);
    switch (rnd.int(7)) {
      case 0: // flip a bit
        if (at < b.length) b[at]! ^= 1 << rnd.int(8);
        break;
      case 1: // replace a byte
        if (at < b.length) b[at] = rnd.chance(0.5) ? rnd.pick(NASTY_BYTES) : rnd.int(256);
        break;
      case 2: // insert bytes
        b = concatBytes(b.subarray(0, at), rnd.bytes(1 + rnd.int(8)), b.subarray(at));
        break;
      case 3: // delete a range
        b = concatBytes(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rnd.int(16))));
        break;
      case 4: // truncate
        b = b.slice(0, at);
        break;
      case 5: { // duplicate a slice
        const len = 1 + rnd.int(32);
        b = concatBytes(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at));
        break;
      }
      default: // a run of one nasty byte
        b = concatBytes(
          b.subarray(0, at),
          new Uint8Array(1 + rnd.int(12)).fill(rnd.pick(NASTY_BYTES)),
        );
        break;
    }
  }
  return b;
}

/** Values that stress a schema-driven reader: wrong types, extremes, odd strings. */
function nastyValue(rnd: SeededRandom): unknown {
  return rnd.pick<() => unknown>([
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 64,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => "",
    () => "x y",
    () => "TASK_RUNNING",
    () => "FUTURE_VALUE",
    () => "%%%not base64%%%",
    () => "\u0000\ud800",
    () => "9".repeat(400),
    () => [],
    () => [null, 1, "a"],
    () => ({}),
    () => ({ value: "" }),
    () => ({ begin: 70000, end: 1 }),
    () => ({ begin: 0, end: 2 ** 64 }),
  ])();
}

/**
 * Mutates a parsed JSON document in place at 1–3 random spots: a value replaced by a nasty
 * one, a key deleted, an array emptied or its items duplicated. Returns the document.
 */
export function mutateJsonValue(rnd: SeededRandom, doc: unknown): unknown {
  const rounds = 1 + rnd.int(3);
  for (let r = 0; r < rounds; r++) {
    const spots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) {
        v.forEach((item, i) => {
          spots.push({ parent: v, key: i });
          walk(item);
        });
      } else if (typeof v === "object" && v !== null) {
        for (const [k, item] of Object.entries(v)) {
          spots.push({ parent: v as Record<string, unknown>, key: k });
          walk(item);
        }
      }
    };
    walk(doc);
    if (spots.length === 0) return nastyValue(rnd);
    const { parent, key } = rnd.pick(spots);
    const current = (parent as Record<string | number, unknown>)[key];
    const op = rnd.int(4);
    if (op === 0 && !Array.isArray(parent)) {
      delete (parent as Record<string, unknown>)[key as string];
    } else if (op === 1 && Array.isArray(current)) {
      if (rnd.chance(0.5)) current.length = 0;
      else current.push(...structuredClone(current));
    } else {
      (parent as Record<string | number, unknown>)[key] = nastyValue(rnd);
    }
  }
  return doc;
}

/** {@linkcode mutateJsonValue} on JSON text; returns new JSON text. */
export function mutateJsonText(rnd: SeededRandom, text: string): string {
  return JSON.stringify(mutateJsonValue(rnd, JSON.parse(text)));
}
