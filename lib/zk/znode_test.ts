import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { RawEvent, RawStat } from "./raw_client.ts";
import { CREATE_MODES, hex, toBuffer, toStat, toWatchEvent } from "./znode.ts";

const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

Deno.test("toStat() reads the library's 8-byte fields as bigints, ms and a hex owner", () => {
  const raw: RawStat = {
    czxid: u64(2n ** 40n + 1n),
    mzxid: u64(7n),
    pzxid: u64(9n),
    ctime: u64(1_700_000_000_123n),
    mtime: u64(1_700_000_000_456n),
    version: 3,
    cversion: 1,
    aversion: 0,
    ephemeralOwner: u64(0x1000060c0430001n),
    dataLength: 5,
    numChildren: 2,
  };
  assert.deepEqual(toStat(raw), {
    czxid: 2n ** 40n + 1n,
    mzxid: 7n,
    pzxid: 9n,
    ctime: 1_700_000_000_123,
    mtime: 1_700_000_000_456,
    version: 3,
    cversion: 1,
    aversion: 0,
    ephemeralOwner: "0x1000060c0430001",
    dataLength: 5,
    numChildren: 2,
  });
  assert.equal(hex(u64(0n)), "0x0");
});

Deno.test("toBuffer() takes strings as UTF-8, bytes as they are and nothing as empty", () => {
  assert.deepEqual([...toBuffer("hé")], [0x68, 0xc3, 0xa9]);
  assert.deepEqual([...toBuffer(new Uint8Array([1, 2]))], [1, 2]);
  assert.equal(toBuffer(undefined).length, 0);
});

Deno.test("toWatchEvent() names the four node events and drops session events", () => {
  const event = (type: number): RawEvent => ({ getType: () => type, getPath: () => "/a" });
  assert.deepEqual(toWatchEvent(event(1)), { type: "created", path: "/a" });
  assert.deepEqual(toWatchEvent(event(4)), { type: "children_changed", path: "/a" });
  assert.equal(toWatchEvent(event(-1)), undefined);
  assert.deepEqual(Object.values(CREATE_MODES), [0, 1, 2, 3]);
});
