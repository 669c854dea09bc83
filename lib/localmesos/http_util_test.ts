import assert from "node:assert/strict";
import {
  accepted,
  acceptsMediaType,
  methodNotAllowed,
  RecordIOStream,
  requestEncoding,
  responseEncoding,
  streamResponse,
  temporaryRedirect,
  textResponse,
} from "./http_util.ts";

function req(headers: Record<string, string>): Request {
  return new Request("http://x/", { method: "POST", headers });
}

/** Sends a raw HTTP/1.1 request and reads until `done(text)` says the answer is complete. */
async function rawExchange(
  port: number,
  request: string,
  done: (text: string) => boolean,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    let text = "";
    const buf = new Uint8Array(65536);
    while (!done(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    conn.close();
  }
}

Deno.test("requestEncoding() accepts only the two exact Content-Types", async () => {
  assert.equal(requestEncoding(req({ "Content-Type": "application/json" })), "json");
  assert.equal(requestEncoding(req({ "Content-Type": "application/x-protobuf" })), "protobuf");
  const missing = requestEncoding(req({})) as Response;
  assert.equal(missing.status, 400);
  assert.equal(await missing.text(), "Expecting 'Content-Type' to be present");
  const charset = requestEncoding(
    req({ "Content-Type": "application/json; charset=utf-8" }),
  ) as Response;
  assert.equal(charset.status, 415);
  assert.equal(charset.headers.get("Content-Type"), "text/plain; charset=utf-8");
  assert.equal(
    await charset.text(),
    "Expecting 'Content-Type' of application/json or application/x-protobuf",
  );
});

Deno.test("responseEncoding() prefers JSON, treats a missing Accept as JSON", () => {
  assert.equal(responseEncoding(req({})), "json");
  assert.equal(responseEncoding(req({ Accept: "application/json" })), "json");
  assert.equal(responseEncoding(req({ Accept: "application/x-protobuf" })), "protobuf");
  assert.equal(responseEncoding(req({ Accept: "*/*" })), "json");
  assert.equal(responseEncoding(req({ Accept: "application/*" })), "json");
  assert.equal(responseEncoding(req({ Accept: "text/html" })), undefined);
  assert.equal(
    responseEncoding(req({ Accept: "application/json;q=0, application/x-protobuf" })),
    "protobuf",
  );
  assert.equal(
    acceptsMediaType(req({ Accept: "*/*, application/json;q=0" }), "application/json"),
    false,
  );
});

Deno.test("error helpers carry Mesos' exact headers and bodies", async () => {
  const r405 = methodNotAllowed("GET");
  assert.equal(r405.status, 405);
  assert.equal(r405.headers.get("Allow"), "POST");
  assert.equal(
    await r405.text(),
    "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.",
  );
  const r307 = temporaryRedirect("//localhost:15060/master/state");
  assert.equal(r307.status, 307);
  assert.equal(r307.headers.get("Location"), "//localhost:15060/master/state");
  assert.equal(await r307.text(), "");
  const r400 = textResponse(400, "Framework cannot be found");
  assert.equal(await r400.text(), "Framework cannot be found");
});

Deno.test("a served 202 has Content-Length 0 and no Content-Type", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => accepted());
  try {
    const text = await rawExchange(
      server.addr.port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      (t) => t.includes("\r\n\r\n"),
    );
    assert.match(text, /^HTTP\/1\.1 202 Accepted\r\n/);
    assert.match(text, /\r\ncontent-length: 0\r\n/i);
    assert.doesNotMatch(text, /content-type/i);
  } finally {
    await server.shutdown();
  }
});

Deno.test("RecordIOStream writes one record per HTTP chunk and ends with the last chunk", async () => {
  const stream = new RecordIOStream();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    queueMicrotask(() => {
      stream.send(new TextEncoder().encode('{"type":"HEARTBEAT"}'));
      stream.send(new TextEncoder().encode("{}"));
      stream.close();
    });
    return streamResponse(stream, "json", { "Mesos-Stream-Id": "abc" });
  });
  try {
    const text = await rawExchange(
      server.addr.port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
      (t) => t.endsWith("0\r\n\r\n"),
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\ntransfer-encoding: chunked\r\n/i);
    assert.match(text, /\r\nmesos-stream-id: abc\r\n/i);
    assert.match(text, /\r\ncontent-type: application\/json\r\n/i);
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    assert.equal(body, '17\r\n20\n{"type":"HEARTBEAT"}\r\n4\r\n2\n{}\r\n0\r\n\r\n');
    assert.equal(await stream.closed, false);
  } finally {
    await server.shutdown();
  }
});

Deno.test("RecordIOStream.closed reports a client disconnect", async () => {
  const stream = new RecordIOStream();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => {
      stream.send(new TextEncoder().encode("{}"));
      return streamResponse(stream, "protobuf");
    },
  );
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, { method: "POST" });
    assert.equal(res.headers.get("Content-Type"), "application/x-protobuf");
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "2\n{}");
    await reader.cancel();
    assert.equal(await stream.closed, true);
    assert.equal(stream.send(new Uint8Array([1])), false);
  } finally {
    await server.shutdown();
  }
});
