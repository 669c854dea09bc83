import assert from "node:assert/strict";
import { bearerToken, tokensEqual } from "./token.ts";

Deno.test("tokensEqual() accepts only the exact token", () => {
  assert.equal(tokensEqual("s3cret", "s3cret"), true);
  assert.equal(tokensEqual("s3cre", "s3cret"), false);
  assert.equal(tokensEqual("s3cret!", "s3cret"), false);
  assert.equal(tokensEqual("", "s3cret"), false);
});

Deno.test("bearerToken() reads Authorization: Bearer and nothing else", () => {
  const req = (v?: string) =>
    new Request("http://x/", v === undefined ? {} : { headers: { authorization: v } });
  assert.equal(bearerToken(req("Bearer abc")), "abc");
  assert.equal(bearerToken(req("bearer  abc ")), "abc");
  assert.equal(bearerToken(req("Basic abc")), undefined);
  assert.equal(bearerToken(req("Bearer")), undefined);
  assert.equal(bearerToken(req()), undefined);
});
