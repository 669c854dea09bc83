import assert from "node:assert/strict";
import { basicAuth, postMesos, sendCall } from "./http_call.ts";
import { MesosApiError } from "./client_errors.ts";
import { startScriptedServer } from "./testing/scripted_server.ts";
import { memoryLogger } from "../log.ts";

const body = new TextEncoder().encode('{"type":"TEARDOWN"}');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("sendCall() POSTs the body with Content-Type and Accept of the encoding", async () => {
  const server = await startScriptedServer(() => new Response(null, { status: 202 }));
  try {
    const res = await sendCall(new URL(`${server.origin}/api/v1/scheduler`), body, {
      encoding: "json",
      headers: { "Mesos-Stream-Id": "s1" },
    });
    assert.equal(res.status, 202);
    const [req] = server.requests;
    assert.equal(req!.method, "POST");
    assert.equal(req!.path, "/api/v1/scheduler");
    assert.equal(req!.headers.get("content-type"), "application/json");
    assert.equal(req!.headers.get("accept"), "application/json");
    assert.equal(req!.headers.get("mesos-stream-id"), "s1");
    assert.equal(text(req!.body), '{"type":"TEARDOWN"}');
  } finally {
    await server.close();
  }
});

Deno.test("postMesos() follows a protocol-relative 307 and re-POSTs the body to the leader", async () => {
  const leader = await startScriptedServer(() => new Response(null, { status: 202 }));
  const follower = await startScriptedServer(() =>
    new Response(null, {
      status: 307,
      headers: { Location: `//127.0.0.1:${leader.port}/master/api/v1/scheduler` },
    })
  );
  const logger = memoryLogger();
  try {
    const { response, url } = await postMesos(
      new URL(`${follower.origin}/api/v1/scheduler`),
      body,
      { encoding: "protobuf", logger },
    );
    await response.body?.cancel();
    assert.equal(response.status, 202);
    assert.equal(url.href, `http://127.0.0.1:${leader.port}/master/api/v1/scheduler`);
    assert.equal(follower.requests.length, 1);
    assert.equal(leader.requests.length, 1);
    assert.equal(leader.requests[0]!.headers.get("content-type"), "application/x-protobuf");
    assert.equal(text(leader.requests[0]!.body), '{"type":"TEARDOWN"}');
    assert.ok(logger.lines.some((l) => l.includes("redirected")));
  } finally {
    await follower.close();
    await leader.close();
  }
});

Deno.test("postMesos() retries 503 with backoff and returns the later success", async () => {
  const server = await startScriptedServer((_req, i) =>
    i < 2 ? new Response("No leader elected", { status: 503 }) : new Response(null, { status: 202 })
  );
  try {
    const res = await sendCall(new URL(`${server.origin}/api/v1/scheduler`), body, {
      encoding: "json",
      backoff: { minMs: 1, maxMs: 2 },
    });
    assert.equal(res.status, 202);
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
});

Deno.test("sendCall() gives up on 503 after the allowed attempts with a MesosApiError", async () => {
  const server = await startScriptedServer(() =>
    new Response("Master has not finished recovery", { status: 503 })
  );
  try {
    const err = await sendCall(new URL(`${server.origin}/api/v1/scheduler`), body, {
      encoding: "json",
      unavailableAttempts: 2,
      backoff: { minMs: 1, maxMs: 1 },
      what: "REVIVE",
    }).catch((e) => e);
    assert.ok(err instanceof MesosApiError);
    assert.equal(err.status, 503);
    assert.equal(err.body, "Master has not finished recovery");
    assert.match(err.message, /503 to REVIVE/);
    assert.equal(server.requests.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("sendCall() turns a 4xx into MesosApiError carrying status and plain-text body", async () => {
  const server = await startScriptedServer(() =>
    new Response("The stream ID 'x' included in this request didn't match", { status: 400 })
  );
  try {
    const err = await sendCall(new URL(`${server.origin}/api/v1/scheduler`), body, {
      encoding: "json",
    }).catch((e) => e);
    assert.ok(err instanceof MesosApiError);
    assert.equal(err.status, 400);
    assert.match(err.body, /didn't match/);
    assert.equal(err.url, `${server.origin}/api/v1/scheduler`);
  } finally {
    await server.close();
  }
});

Deno.test("postMesos() stops after maxRedirects", async () => {
  const server = await startScriptedServer(() =>
    new Response(null, { status: 307, headers: { Location: "/api/v1/scheduler" } })
  );
  try {
    const err = await postMesos(new URL(`${server.origin}/api/v1/scheduler`), body, {
      encoding: "json",
      maxRedirects: 2,
    }).catch((e) => e);
    assert.ok(err instanceof MesosApiError);
    assert.match(err.message, /more than 2 redirects/);
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
});

Deno.test("basicAuth() encodes principal:secret as in RFC 7617", () => {
  assert.equal(basicAuth("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
});
