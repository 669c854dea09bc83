/**
 * A port for a ZooKeeper that is "down" and later comes up, for tests of waiting and retrying.
 * Test-only.
 *
 * @module
 */

/**
 * A port of our own for a ZooKeeper that is "down" and later comes up: connections are
 * accepted and closed at once until `forwardTo(port)`, then piped to that port. The port is
 * never released in between, so no server of a parallel test can take it and answer the
 * client with garbage (node-zookeeper-client throws on that, uncaught).
 */
export function holdPort(): {
  port: number;
  forwardTo(port: number): void;
  release(): Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let target: number | undefined;
  const pipes = new Set<Promise<unknown>>();
  const forward = async (conn: Deno.Conn, port: number) => {
    const upstream = await Deno.connect({ hostname: "127.0.0.1", port }).catch(() => undefined);
    if (upstream === undefined) return conn.close();
    await Promise.allSettled([
      conn.readable.pipeTo(upstream.writable),
      upstream.readable.pipeTo(conn.writable),
    ]);
  };
  (async () => {
    try {
      for await (const conn of listener) {
        if (target === undefined) conn.close();
        else {
          const p = forward(conn, target);
          pipes.add(p);
          p.finally(() => pipes.delete(p));
        }
      }
    } catch {
      // released
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    forwardTo: (port) => target = port,
    release: async () => {
      listener.close();
      await Promise.allSettled([...pipes]);
    },
  };
}
