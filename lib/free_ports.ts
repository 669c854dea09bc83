/**
 * Free loopback ports for servers that run side by side (tests, local clusters, the backup
 * drill): a single free port, and a block of consecutive ports (agents' port ranges), each
 * checked to be bindable right now.
 *
 * Three ranges never overlap, so one kind of pick cannot take another's port: blocks come
 * from 10000–32767, the kernel's ephemeral range (by default 32768–60999) is left to
 * outgoing connections, and single ports come from above it. A port the kernel chose for us
 * (`port: 0`) is an ephemeral one: on a busy machine the next outgoing connection may take it
 * before the server that was meant to bind it does.
 *
 * @module
 */

/** Where single ports are picked when the ephemeral range ends below it. */
const SINGLE_MIN = 61000;
const SINGLE_MAX = 65535;

/** The kernel's ephemeral port range (Linux), or undefined when it cannot be read. */
export function ephemeralRange(): [number, number] | undefined {
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const [lo, hi] = text.trim().split(/\s+/).map(Number);
    return Number.isInteger(lo) && Number.isInteger(hi) ? [lo!, hi!] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A loopback TCP port free right now, above the ephemeral range when there is room there
 * (else one the kernel picks).
 */
export function freePort(random: () => number = Math.random): number {
  const ephemeral = ephemeralRange();
  const min = Math.max(SINGLE_MIN, (ephemeral?.[1] ?? SINGLE_MAX) + 1);
  for (let i = 0; min <= SINGLE_MAX && i < 100; i++) {
    const port = min + Math.floor(random() * (SINGLE_MAX - min + 1));
    if (bindable(port)) return port;
  }
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
