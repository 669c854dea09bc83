import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SnapshotDigest, SnapshotIntegrityError } from "./snapshot_digest.ts";

function withTrailer(db: Uint8Array): Uint8Array {
  const sum = createHash("sha256").update(db).digest();
  const out = new Uint8Array(db.length + 32);
  out.set(db);
  out.set(sum, db.length);
  return out;
}

function feed(bytes: Uint8Array, sizes: number[]): SnapshotDigest {
  const d = new SnapshotDigest();
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    d.update(bytes.subarray(at, at + n));
    at += n;
  }
  return d;
}

Deno.test("SnapshotDigest accepts etcd's trailer under any chunking", () => {
  const db = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
  const stream = withTrailer(db);
  const whole = createHash("sha256").update(stream).digest("hex");
  for (const sizes of [[stream.length], [1], [31, 1, 33], [32], [4096, 5], [0, 7]]) {
    const r = feed(stream, sizes.map((n) => n || 1)).finish();
    assert.equal(r.size, stream.length, `chunks ${sizes}`);
    assert.equal(r.sha256, whole);
  }
});

Deno.test("SnapshotDigest names a corrupted or truncated snapshot", () => {
  const stream = withTrailer(new Uint8Array(5000).fill(9));
  const bad = stream.slice();
  bad[100] = 1;
  assert.throws(() => feed(bad, [700]).finish(), SnapshotIntegrityError);
  assert.throws(
    () => feed(stream.subarray(0, stream.length - 1), [700]).finish(),
    /Snapshot of 5031 bytes fails its SHA-256 check/,
  );
  assert.throws(() => new SnapshotDigest().finish(), /trailer \(none\)/);
});
