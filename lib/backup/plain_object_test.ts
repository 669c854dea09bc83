import assert from "node:assert/strict";
import { Encryptor, importBackupKey } from "./encryption.ts";
import { loadBackupKeys } from "./key_files.ts";
import { plainObject } from "./plain_object.ts";

function streamOf(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

const dir = await Deno.makeTempDir({ prefix: "plain-object-" });
await Deno.writeTextFile(`${dir}/k`, "77".repeat(32));
const keys = (await loadBackupKeys(`${dir}/k`))!;
await Deno.remove(dir, { recursive: true });

async function encrypted(plain: Uint8Array): Promise<Uint8Array> {
  const e = new Encryptor(keys.current!, 1000);
  const a = await e.push(plain);
  const b = await e.finish();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

Deno.test("plainObject(): a plain snapshot passes untouched, with its size, even with keys", async () => {
  const plain = new Uint8Array(5000).map((_, i) => i % 251);
  for (const k of [undefined, keys]) {
    const got = await plainObject({ size: plain.length, body: streamOf(plain, 3) }, k);
    assert.equal(got.encrypted, false);
    assert.equal(got.size, plain.length);
    assert.deepEqual(await new Response(got.body).bytes(), plain);
  }
});

Deno.test("plainObject(): an encrypted one is decrypted as it streams", async () => {
  const plain = new Uint8Array(5000).map((_, i) => i % 253);
  const cipher = await encrypted(plain);
  const got = await plainObject({ size: cipher.length, body: streamOf(cipher, 10) }, keys);
  assert.equal(got.encrypted, true);
  assert.equal(got.size, undefined);
  assert.deepEqual(await new Response(got.body).bytes(), plain);
});

Deno.test("plainObject(): without its key, or with a short header, an error before any byte", async () => {
  const cipher = await encrypted(new Uint8Array(100));
  await assert.rejects(
    plainObject({ size: cipher.length, body: streamOf(cipher, 7) }, undefined),
    new RegExp(`encrypted with key ${keys.current!.id}; no key is given`),
  );
  const other = await importBackupKey(new Uint8Array(32));
  await assert.rejects(
    plainObject({ size: 0, body: streamOf(cipher, 7) }, {
      all: [other],
      tokenSecret: new Uint8Array(32),
    }),
    new RegExp(`the keys given are ${other.id}`),
  );
  await assert.rejects(
    plainObject({ size: 20, body: streamOf(cipher.subarray(0, 20), 7) }, keys),
    /truncated: 20 bytes, shorter than its 56-byte header/,
  );
});
