import assert from "node:assert/strict";
import { canonicalRequest, credentialsFromEnv, signRequest, uriEncode } from "./sigv4.ts";

// AWS's documented example "GET Object" (Signature Version 4, header auth).
const EXAMPLE = {
  creds: {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  },
  empty: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

Deno.test("signRequest() reproduces AWS's GET Object example signature", async () => {
  const headers = await signRequest({
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
    headers: { Range: "bytes=0-9" },
    payloadHash: EXAMPLE.empty,
    region: "us-east-1",
    date: new Date("2013-05-24T00:00:00Z"),
  }, EXAMPLE.creds);
  assert.equal(
    headers.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
});

Deno.test("signRequest() reproduces AWS's GET Bucket lifecycle example (query string)", async () => {
  const headers = await signRequest({
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/?lifecycle"),
    headers: {},
    payloadHash: EXAMPLE.empty,
    region: "us-east-1",
    date: new Date("2013-05-24T00:00:00Z"),
  }, EXAMPLE.creds);
  assert.match(
    headers.authorization!,
    /Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543$/,
  );
});

Deno.test("canonicalRequest() sorts and encodes the query", () => {
  const text = canonicalRequest({
    method: "get",
    url: new URL("http://h/b/k?prefix=a%2Fb&list-type=2"),
    headers: {},
    payloadHash: "UNSIGNED-PAYLOAD",
    region: "r",
  }, { host: "h" });
  assert.equal(text.split("\n")[2], "list-type=2&prefix=a%2Fb");
});

Deno.test("uriEncode() keeps unreserved characters and optionally slashes", () => {
  assert.equal(uriEncode("a b/c~"), "a%20b%2Fc~");
  assert.equal(uriEncode("a b/c", true), "a%20b/c");
});

Deno.test("credentialsFromEnv() names a missing variable", () => {
  assert.throws(() => credentialsFromEnv({}), /AWS_ACCESS_KEY_ID/);
  assert.throws(() => credentialsFromEnv({ AWS_ACCESS_KEY_ID: "a" }), /AWS_SECRET_ACCESS_KEY/);
  assert.deepEqual(
    credentialsFromEnv({
      AWS_ACCESS_KEY_ID: "a",
      AWS_SECRET_ACCESS_KEY: "b",
      AWS_SESSION_TOKEN: "t",
    }),
    { accessKeyId: "a", secretAccessKey: "b", sessionToken: "t" },
  );
});
