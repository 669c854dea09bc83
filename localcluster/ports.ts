/**
 * Free loopback ports for local clusters that run side by side: a single free port, and a
 * block of consecutive ports (agents' port ranges) checked to be bindable right now.
 *
 * @module
 */

/** A loopback TCP port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function bindable(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Options of {@linkcode freePortBlock}. */
export interface PortBlockOptions {
  /** Lowest first port (default 10000: below Linux's ephemeral range). */
  min?: number;
  /** Highest last port (default 32767). */
  max?: number;
  /** Attempts before giving up (default 50). */
  attempts?: number;
  /** Random source in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * The first port of `count` consecutive loopback ports that are all free now, at a random
 * place (aligned to `count`) so that concurrent callers rarely pick the same block.
 *
 * @throws {RangeError} naming `count` when no free block was found.
 */
export function freePortBlock(count: number, options: PortBlockOptions = {}): number {
  const min = options.min ?? 10000;
  const max = options.max ?? 32767;
  const slots = Math.floor((max - min + 1) / count);
  if (!Number.isInteger(count) || count < 1 || slots < 1) {
    throw new RangeError(`Cannot find ${count} consecutive ports in ${min}..${max}`);
  }
  const random = options.random ?? Math.random;
  for (let i = 0; i < (options.attempts ?? 50); i++) {
    const base = min + count * Math.floor(random() * slots);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = bindable(p);
    if (ok) return base;
  }
  throw new RangeError(`Cannot find ${count} consecutive free ports in ${min}..${max}`);
}
