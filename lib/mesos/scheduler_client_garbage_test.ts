/**
 * A master that sends garbage: broken RecordIO framing, undecodable records, unknown event
 * types, huge error bodies and refused credentials. The client logs, re-subscribes where a
 * fresh stream can help, stops where it cannot, and never rejects with anything else.
 */
import assert from "node:assert/strict";
import {
  createSchedulerClient,
  type SchedulerClientOptions,
  type SchedulerNotice,
} from "./scheduler_client.ts";
import { decodeMessage, encodeMessage, type Encoding } from "./encoding.ts";
import { encodeRecord } from "./recordio.ts";
import { MesosAuthenticationError } from "./client_errors.ts";
import {
  type RecordedRequest,
  type ScriptedServer,
  startScriptedServer,
} from "./testing/scripted_server.ts";
import { memoryLogger } from "../log.ts";
import type { SchedulerCall } from "./calls.ts";
import { nextMatching } from "./testing/notices.ts";

const FW = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0000";
const STREAM = "8ccff7d3-3bc3-4ff0-a1c1-c5cb76705958";
const EVENT = "mesos.v1.scheduler.Event";
const INFO = { user: "root", name: "garbage" };
const enc = (s: string) => new TextEncoder().encode(s);

function event(value: Record<string, unknown>, encoding: Encoding): Uint8Array {
  return encodeRecord(encodeMessage(EVENT, value, encoding));
}
const subscribed = (e: Encoding) =>
  event({
    type: "SUBSCRIBED",
    subscribed: { framework_id: { value: FW }, heartbeat_interval_seconds: 15 },
  }, e);
const heartbeat = (e: Encoding) => event({ type: "HEARTBEAT" }, e);
const jsonRecord = (text: string) => encodeRecord(enc(text));

/**
 * A master whose first SUBSCRIBE gets `first` (then the stream ends unless `keepOpen`), and
 * every later one a good SUBSCRIBED on an open stream.
 */
function garbageMaster(
  encoding: Encoding,
  first: (Uint8Array | string)[],
  keepOpen = false,
) {
  return (req: RecordedRequest, index: number, server: ScriptedServer) => {
    if (req.headers.has("mesos-stream-id")) return new Response(null, { status: 202 });
    const s = server.stream(200, {
      "Content-Type": encoding === "json" ? "application/json" : "application/x-protobuf",
      "Mesos-Stream-Id": STREAM,
    });
    if (index === 0) {
      for (const chunk of first) s.push(chunk);
      if (!keepOpen) s.end();
    } else s.push(subscribed(encoding));
    return s.response;
  };
}

function clientOf(server: ScriptedServer, extra: Partial<SchedulerClientOptions> = {}) {
  const logger = memoryLogger();
  const client = createSchedulerClient({
    master: server.origin,
    frameworkInfo: INFO,
    backoff: { minMs: 1, maxMs: 5 },
    logger,
    ...extra,
  });
  return { client, logger, it: client[Symbol.asyncIterator]() };
}

const decodeCall = (r: RecordedRequest, e: Encoding) =>
  decodeMessage<SchedulerCall>("mesos.v1.scheduler.Call", r.body, e);

/** [what, encoding, records after SUBSCRIBED, the disconnect reason]. */
const broken: [string, Encoding, (Uint8Array | string)[], RegExp][] = [
  [
    "a record truncated by the end of the stream",
    "json",
    ['120\n{"type":"HEARTBEAT"'],
    /^broken RecordIO stream from 127\.0\.0\.1:\d+: Stream ended inside a RecordIO record$/,
  ],
  ["a non-numeric length", "json", ["abc\n{}"], /broken RecordIO stream.*Invalid RecordIO length/],
  ["a negative length", "protobuf", ["-5\n"], /broken RecordIO stream.*Invalid RecordIO length/],
  [
    "an absurd length (the client does not wait for 99 GB)",
    "json",
    ["99999999999\n{}"],
    /broken RecordIO stream.*record of 99999999999 bytes exceeds/,
  ],
  ["an endless length line", "json", ["1".repeat(40)], /RecordIO length line too long/],
  ["an empty length line", "json", ["\n\n"], /Empty RecordIO length line/],
  [
    "a record that is not JSON",
    "json",
    [jsonRecord("{not json")],
    /^undecodable event from 127\.0\.0\.1:\d+: Failed to parse body into JSON/,
  ],
  [
    "a record of the wrong JSON shape",
    "json",
    [jsonRecord('{"type":"OFFERS","offers":{"offers":[{"id":"O1"}]}}')],
    /undecodable event.*Not expecting a JSON string for field 'id'/,
  ],
  [
    "an update without its task id",
    "json",
    [jsonRecord('{"type":"UPDATE","update":{"status":{"state":"TASK_RUNNING"}}}')],
    /undecodable event.*Not initialized: update\.status\.task_id/,
  ],
  [
    "a record that is not protobuf",
    "protobuf",
    [encodeRecord(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))],
    /^undecodable event from 127\.0\.0\.1:\d+: /,
  ],
];

for (const [what, encoding, records, reason] of broken) {
  Deno.test(`scheduler client re-subscribes after ${what} (${encoding})`, async () => {
    const server = await startScriptedServer(
      garbageMaster(encoding, [subscribed(encoding), heartbeat(encoding), ...records]),
    );
    const { client, logger, it } = clientOf(server, { encoding });
    try {
      const seen: SchedulerNotice[] = [];
      await nextMatching(it, (n) => n.type === "connected", { seen });
      const lost = await nextMatching(it, (n) => n.type === "disconnected", { seen });
      assert.ok(lost.type === "disconnected");
      assert.match(lost.reason, reason);
      await nextMatching(it, (n) => n.type === "connected", { seen });
      assert.deepEqual(
        seen.map((n) => n.type === "event" ? n.event.type : n.type),
        ["connected", "HEARTBEAT", "disconnected", "connected"],
        "only good events came through",
      );
      assert.equal(server.requests.length, 2);
      assert.deepEqual(decodeCall(server.requests[1]!, encoding).framework_id, { value: FW });
      const warn = logger.records.find((r) => r.msg === "subscription lost, re-subscribing");
      assert.match(String(warn?.fields.reason), reason);
    } finally {
      await client.close();
      await server.close();
    }
    await client.done;
  });
}

Deno.test("scheduler client re-subscribes when the first bytes are not RecordIO at all", async () => {
  const server = await startScriptedServer(
    garbageMaster("json", ["<html><body>502 Bad Gateway</body></html>"]),
  );
  const { client, logger, it } = clientOf(server, { encoding: "json" });
  try {
    const seen: SchedulerNotice[] = [];
    await nextMatching(it, (n) => n.type === "connected", { seen });
    assert.deepEqual(seen.map((n) => n.type), ["connected"], "no disconnect before SUBSCRIBED");
    assert.equal(server.requests.length, 2);
    assert.ok(logger.lines.some((l) => /Invalid RecordIO length: byte 0x3c/.test(l)));
  } finally {
    await client.close();
    await server.close();
  }
});

for (const encoding of ["json", "protobuf"] as const) {
  Deno.test(`scheduler client skips events of unknown types and keeps the stream (${encoding})`, async () => {
    const unknown = encoding === "json"
      ? jsonRecord('{"type":"FUTURE_EVENT","future_event":{"x":1}}')
      : encodeRecord(new Uint8Array([0x08, 0x63, 0xfa, 0x01, 0x00])); // type 99, field 31
    const server = await startScriptedServer(
      garbageMaster(encoding, [subscribed(encoding), unknown, heartbeat(encoding)], true),
    );
    const { client, it } = clientOf(server, { encoding });
    try {
      const seen: SchedulerNotice[] = [];
      await nextMatching(it, (n) => n.type === "event", { seen });
      assert.deepEqual(seen.map((n) => n.type === "event" ? n.event.type : n.type), [
        "connected",
        "HEARTBEAT",
      ]);
      assert.equal(server.requests.length, 1, "no re-subscription");
      assert.equal(client.streamId, STREAM);
    } finally {
      await client.close();
      await server.close();
    }
  });
}

Deno.test("scheduler client reads only the start of a huge error body and retries", async () => {
  const server = await startScriptedServer((req, i, s) =>
    i === 0
      ? new Response("E".repeat(8 * 1024 * 1024), { status: 500 })
      : garbageMaster("json", [])(req, i, s)
  );
  const { client, logger, it } = clientOf(server, { encoding: "json" });
  try {
    await nextMatching(it, (n) => n.type === "connected");
    const warn = logger.records.find((r) => r.msg === "subscription lost, re-subscribing");
    const reason = String(warn?.fields.reason);
    assert.match(reason, /answered 500: E+$/);
    assert.ok(reason.length < 4200, `reason of ${reason.length} chars`);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("scheduler client stops on 401, naming the principal and never the secret", async () => {
  const server = await startScriptedServer(() =>
    new Response(null, {
      status: 401,
      headers: { "WWW-Authenticate": 'Basic realm="mesos-master-scheduler"' },
    })
  );
  const { client, logger, it } = clientOf(server, {
    encoding: "json",
    credentials: { principal: "etcd-fw", secret: "hunter2-very-secret" },
  });
  try {
    const error = await client.done.then(() => undefined, (e) => e);
    assert.ok(error instanceof MesosAuthenticationError, String(error));
    assert.equal(error.principal, "etcd-fw");
    assert.match(error.message, /refused the credentials of principal "etcd-fw" \(401\)/);
    await assert.rejects(it.next(), MesosAuthenticationError);
    assert.equal(server.requests.length, 1, "no retry loop with credentials that cannot work");
    assert.ok(logger.lines.some((l) => l.includes("etcd-fw")));
    const basic = btoa("etcd-fw:hunter2-very-secret");
    assert.ok(!logger.lines.some((l) => l.includes("hunter2") || l.includes(basic)));
    assert.ok(!error.message.includes("hunter2"));
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("scheduler client stops on 401 without credentials, saying none were sent", async () => {
  const server = await startScriptedServer(() => new Response(null, { status: 401 }));
  const { client } = clientOf(server, { encoding: "json" });
  try {
    await assert.rejects(client.done, {
      name: "MesosAuthenticationError",
      message: /requires authentication \(401\) and no credentials were sent/,
    });
  } finally {
    await client.close();
    await server.close();
  }
});

for (const seconds of [1e7, 1e12, 1e308]) {
  Deno.test(`scheduler client keeps a subscription whose heartbeat interval is ${seconds} s`, async () => {
    // Such intervals overflow 32-bit timers, which then fire at once: a reconnect loop.
    const record = jsonRecord(
      `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"${FW}"},` +
        `"heartbeat_interval_seconds":${seconds}}}`,
    );
    const server = await startScriptedServer(garbageMaster("json", [record], true));
    const { client, it } = clientOf(server, { encoding: "json" });
    try {
      await nextMatching(it, (n) => n.type === "connected");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(client.streamId, STREAM, "the subscription was dropped");
      assert.equal(server.requests.length, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
}
