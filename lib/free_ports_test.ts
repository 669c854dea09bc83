import assert from "node:assert/strict";
import { ephemeralRange, freePort, freePortBlock } from "./free_ports.ts";

Deno.test("freePort() returns a port that can be bound", () => {
  const port = freePort();
  assert.ok(port > 0 && port < 65536);
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});

Deno.test("freePort() picks above the kernel's ephemeral range, which outgoing connections use", () => {
  const [, high] = ephemeralRange() ?? [0, 65535];
  const ports = Array.from({ length: 20 }, () => freePort());
  if (high < 61000) assert.ok(ports.every((p) => p > high && p >= 61000), String(ports));
  assert.equal(new Set(ports).size > 1, true, "not always the same port");
});

Deno.test("freePortBlock() returns an aligned block of bindable ports", () => {
  const base = freePortBlock(20, { min: 20000, max: 20999 });
  assert.equal((base - 20000) % 20, 0);
  assert.ok(base >= 20000 && base + 19 <= 20999);
});

Deno.test("freePortBlock() never returns a block with a port in use", () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  try {
    // The only slot holds the busy port.
    assert.throws(
      () => freePortBlock(10, { min: port - 5, max: port + 4, attempts: 3 }),
      /10 consecutive free ports/,
    );
  } finally {
    busy.close();
  }
});

Deno.test("freePortBlock() names the count when it cannot fit", () => {
  assert.throws(() => freePortBlock(100, { min: 1000, max: 1010 }), /100 consecutive ports/);
});
