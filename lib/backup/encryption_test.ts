import assert from "node:assert/strict";
import { concatBytes } from "../bytes.ts";
import {
  BackupDecryptionError,
  Decryptor,
  decryptStream,
  Encryptor,
  HEADER_BYTES,
  importBackupKey,
  parseKeyFile,
  TAG_BYTES,
} from "./encryption.ts";

const KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const rawKey = parseKeyFile("/k", new TextEncoder().encode(KEY_HEX + "\n"));
const key = await importBackupKey(rawKey);
const other = await importBackupKey(new Uint8Array(32).fill(7));

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

/** Encrypts `plain` pushed in pieces of `piece` bytes. */
async function encrypt(plain: Uint8Array, chunk: number, piece = 1000): Promise<Uint8Array> {
  const e = new Encryptor(key, chunk);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < plain.length; at += piece) {
    parts.push(await e.push(plain.subarray(at, at + piece)));
  }
  parts.push(await e.finish());
  return concatBytes(...parts);
}

async function decrypt(cipher: Uint8Array, keys = [key], piece = 777): Promise<Uint8Array> {
  const d = new Decryptor(keys);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < cipher.length; at += piece) {
    parts.push(await d.push(cipher.subarray(at, at + piece)));
  }
  parts.push(await d.finish());
  return concatBytes(...parts);
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof BackupDecryptionError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(KEY_HEX), "the key is never in a message");
    return true;
  });
}

Deno.test("round trip: empty, below, at and across chunk boundaries, pieces of any size", async () => {
  for (const size of [0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 5]) {
    const plain = randomBytes(size);
    const cipher = await encrypt(plain, 4096, 1000);
    const chunks = Math.max(1, Math.ceil(size / 4096));
    assert.equal(cipher.length, HEADER_BYTES + size + chunks * TAG_BYTES, `size ${size}`);
    assert.deepEqual(await decrypt(cipher), plain, `size ${size}`);
    assert.deepEqual(await decrypt(cipher, [other, key], cipher.length + 1), plain);
  }
});

Deno.test("the ciphertext does not contain the plaintext, and each backup differs", async () => {
  const plain = new TextEncoder().encode("secret-value-".repeat(1000));
  const a = await encrypt(plain, 4096);
  const b = await encrypt(plain, 4096);
  const text = new TextDecoder("latin1").decode(a);
  assert.ok(!text.includes("secret-value"));
  assert.notDeepEqual(a.subarray(HEADER_BYTES), b.subarray(HEADER_BYTES));
});

Deno.test("decryptStream decrypts a ReadableStream", async () => {
  const plain = randomBytes(10_000);
  const cipher = await encrypt(plain, 4096);
  const out = await new Response(
    decryptStream(new Blob([cipher as Uint8Array<ArrayBuffer>]).stream(), key),
  )
    .bytes();
  assert.deepEqual(out, plain);
});

Deno.test("a wrong key is named by its id, before any chunk", async () => {
  const cipher = await encrypt(randomBytes(9000), 4096);
  await rejects(decrypt(cipher, [other]), new RegExp(`encrypted with key ${key.id}.*${other.id}`));
});

Deno.test("truncation: at a chunk boundary, inside a chunk, inside the header", async () => {
  const cipher = await encrypt(randomBytes(3 * 4096 + 10), 4096);
  const sealed = 4096 + TAG_BYTES;
  await rejects(
    decrypt(cipher.subarray(0, HEADER_BYTES + 2 * sealed)),
    /truncated: it ends after chunk 1, which is not its last/,
  );
  await rejects(decrypt(cipher.subarray(0, cipher.length - 3)), /chunk 3 fails authentication/);
  await rejects(decrypt(cipher.subarray(0, HEADER_BYTES + 5)), /chunk 0 has 5 bytes/);
  await rejects(
    decrypt(cipher.subarray(0, 20)),
    /truncated: 20 bytes, shorter than its 56-byte header/,
  );
});

Deno.test("swapped or reordered chunks fail authentication at the first one moved", async () => {
  const cipher = await encrypt(randomBytes(3 * 4096 + 10), 4096);
  const sealed = 4096 + TAG_BYTES;
  const c = (i: number) =>
    cipher.subarray(HEADER_BYTES + i * sealed, HEADER_BYTES + (i + 1) * sealed);
  const swapped = concatBytes(
    cipher.subarray(0, HEADER_BYTES),
    c(0),
    c(2),
    c(1),
    cipher.subarray(HEADER_BYTES + 3 * sealed),
  );
  await rejects(decrypt(swapped), /chunk 1 fails authentication: altered, reordered or swapped/);
  // A chunk of another backup (same key, same index) does not fit either: its own salt.
  const another = await encrypt(randomBytes(3 * 4096 + 10), 4096);
  const mixed = concatBytes(
    cipher.subarray(0, HEADER_BYTES + sealed),
    another.subarray(HEADER_BYTES + sealed),
  );
  await rejects(decrypt(mixed), /chunk 1 fails authentication/);
});

Deno.test("a flipped bit anywhere fails: header fields, ciphertext, tag", async () => {
  const cipher = await encrypt(randomBytes(2 * 4096), 4096);
  const flip = (at: number) => {
    const c = cipher.slice();
    c[at]! ^= 1;
    return c;
  };
  await rejects(decrypt(flip(0)), /does not start with EMBKENC1/);
  await rejects(decrypt(flip(8)), /format version 0: expected 1/);
  await rejects(decrypt(flip(16)), /encrypted with key/);
  await rejects(decrypt(flip(40)), /chunk 0 fails authentication/); // the salt
  await rejects(decrypt(flip(HEADER_BYTES + 100)), /chunk 0 fails authentication/);
  await rejects(decrypt(flip(cipher.length - 1)), /chunk 1 fails authentication/);
});

Deno.test("a plaintext snapshot is refused at once as not encrypted", async () => {
  const d = new Decryptor(key);
  await rejects(d.push(new Uint8Array(10)), /Not an encrypted etcd-mesos backup/);
});

Deno.test("key files: 64 hex characters or 32 raw bytes; otherwise the file and the problem, never the content", async () => {
  assert.deepEqual(
    parseKeyFile("/k", new TextEncoder().encode(`  ${KEY_HEX.toUpperCase()}\n`)),
    rawKey,
  );
  const raw = new Uint8Array(32).fill(0xfe);
  assert.deepEqual(parseKeyFile("/k", raw), raw);
  assert.equal((await importBackupKey(raw)).id.length, 16);
  assert.throws(
    () => parseKeyFile("/etc/k", new TextEncoder().encode(KEY_HEX.slice(2))),
    /Cannot use backup key file \/etc\/k: it holds 62 hex characters; expected 64 hex/,
  );
  const secret = "my-passphrase-is-not-a-key";
  assert.throws(() => parseKeyFile("/etc/k", new TextEncoder().encode(secret)), (e: Error) => {
    assert.match(e.message, /\/etc\/k: it holds 26 bytes that are not hex/);
    assert.ok(!e.message.includes(secret));
    return true;
  });
  await assert.rejects(importBackupKey(new Uint8Array(31)), /31 bytes: expected 32/);
});
