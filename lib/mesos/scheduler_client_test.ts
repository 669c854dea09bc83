import assert from "node:assert/strict";
import {
  createSchedulerClient,
  type SchedulerClient,
  type SchedulerClientOptions,
  type SchedulerNotice,
} from "./scheduler_client.ts";
import { decline, reconcile } from "./calls.ts";
import { decodeMessage, type Encoding } from "./encoding.ts";
import { encodeRecord } from "./recordio.ts";
import {
  FrameworkFailedOverError,
  FrameworkRemovedError,
  MesosApiError,
  NotSubscribedError,
} from "./client_errors.ts";
import {
  capturedHeaders,
  type RecordedRequest,
  type ScriptedServer,
  splitRecordIO,
  startScriptedServer,
} from "./testing/scripted_server.ts";
import { transcriptBytes, transcriptText } from "../../tests/fixtures/transcripts.ts";
import { FakeClock } from "../clock.ts";
import { memoryLogger } from "../log.ts";
import type { FrameworkInfo } from "./types.ts";
import type { SchedulerCall } from "./calls.ts";
import { nextMatching } from "./testing/notices.ts";

const FW = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0000";
const STREAM = "8ccff7d3-3bc3-4ff0-a1c1-c5cb76705958";
const INFO: FrameworkInfo = {
  user: "root",
  name: "transcript",
  failover_timeout: 60,
  checkpoint: true,
};
const enc = (s: string) => new TextEncoder().encode(s);

const isConnected = (n: SchedulerNotice) => n.type === "connected";
const isEvent = (type: string) => (n: SchedulerNotice) =>
  n.type === "event" && n.event.type === type;

function decodeCall(req: RecordedRequest, encoding: Encoding): SchedulerCall {
  return decodeMessage<SchedulerCall>("mesos.v1.scheduler.Call", req.body, encoding);
}

/** A master that streams `records` to each SUBSCRIBE and answers 202 to other calls. */
function replayingMaster(
  headers: Record<string, string>,
  streams: Uint8Array[][],
  opts: { endAfter?: boolean } = {},
) {
  let n = 0;
  return (req: RecordedRequest, _i: number, server: ScriptedServer) => {
    if (req.headers.has("mesos-stream-id")) return new Response(null, { status: 202 });
    const s = server.stream(200, headers);
    const records = streams[Math.min(n++, streams.length - 1)]!;
    for (const r of records) s.push(r);
    if (opts.endAfter) s.end();
    return s.response;
  };
}

async function withClient(
  options: Omit<SchedulerClientOptions, "master"> & { master: string | URL },
  body: (client: SchedulerClient, it: AsyncIterator<SchedulerNotice>) => Promise<void>,
) {
  const client = createSchedulerClient(options);
  try {
    await body(client, client[Symbol.asyncIterator]());
  } finally {
    await client.close();
  }
}

Deno.test("scheduler client replays the captured JSON subscription and sends calls with the stream id", async () => {
  const headers = capturedHeaders(await transcriptText("subscribe-json.headers.txt"));
  const records = splitRecordIO(await transcriptBytes("subscribe-json.recordio"));
  const server = await startScriptedServer(replayingMaster(headers, [records]));
  try {
    await withClient(
      { master: server.origin, frameworkInfo: INFO, encoding: "json" },
      async (client, it) => {
        const connected = await nextMatching(it, isConnected);
        assert.ok(connected.type === "connected");
        assert.equal(connected.frameworkId, FW);
        assert.equal(connected.streamId, STREAM);
        assert.equal(connected.subscribed.heartbeat_interval_seconds, 15);
        assert.equal(connected.leader.href, `${server.origin}/api/v1/scheduler`);
        const heartbeat = await it.next();
        assert.ok(!heartbeat.done && isEvent("HEARTBEAT")(heartbeat.value));
        const offers = await nextMatching(it, isEvent("OFFERS"));
        assert.ok(offers.type === "event");
        const offer = offers.event.offers!.offers![0]!;
        assert.equal(offer.id.value, "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-O0");
        assert.deepEqual(offer.resources!.map((r) => r.name), ["ports", "cpus", "mem", "disk"]);

        const sub = server.requests[0]!;
        assert.equal(sub.path, "/api/v1/scheduler");
        assert.equal(sub.headers.get("accept"), "application/json");
        assert.equal(sub.headers.get("content-type"), "application/json");
        assert.equal(sub.headers.get("mesos-stream-id"), null);
        assert.equal(
          new TextDecoder().decode(sub.body),
          '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"transcript","failover_timeout":60.0,"checkpoint":true}}}',
        );

        assert.equal(client.streamId, STREAM);
        const res = await client.call(decline([offer.id.value], { refuseSeconds: 3600 }));
        assert.equal(res.status, 202);
        const call = server.requests[1]!;
        assert.equal(call.headers.get("mesos-stream-id"), STREAM);
        assert.equal(call.headers.get("content-type"), "application/json");
        const decoded = decodeCall(call, "json");
        assert.deepEqual(decoded.framework_id, { value: FW });
        assert.equal(decoded.type, "DECLINE");
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client decodes the captured protobuf subscription (default encoding)", async () => {
  const headers = capturedHeaders(await transcriptText("subscribe-protobuf.headers.txt"));
  const records = splitRecordIO(await transcriptBytes("subscribe-protobuf.recordio"));
  const server = await startScriptedServer(replayingMaster(headers, [records]));
  try {
    const info = { user: "u", name: "n" };
    await withClient({ master: server.origin, frameworkInfo: info }, async (client, it) => {
      const connected = await nextMatching(it, isConnected);
      assert.ok(connected.type === "connected");
      assert.equal(connected.frameworkId, "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0001");
      assert.equal(connected.streamId, "0076345a-9c39-482d-b1cf-1f73a1c94df9");
      assert.equal(connected.subscribed.master_info!.ip, 16777343);
      const offers = await nextMatching(it, isEvent("OFFERS"));
      assert.ok(offers.type === "event");
      const cpus = offers.event.offers!.offers![0]!.resources!.find((r) => r.name === "cpus");
      assert.equal(cpus!.scalar!.value, 2);
      const sub = server.requests[0]!;
      assert.equal(sub.headers.get("accept"), "application/x-protobuf");
      assert.equal(sub.headers.get("content-type"), "application/x-protobuf");
      // The hand-computed protobuf vector of the protocol notes.
      assert.deepEqual(
        Array.from(sub.body),
        [0x10, 0x01, 0x1a, 0x08, 0x0a, 0x06, 0x0a, 0x01, 0x75, 0x12, 0x01, 0x6e],
      );
      await client.call(reconcile());
      const call = decodeCall(server.requests[1]!, "protobuf");
      assert.equal(call.type, "RECONCILE");
      assert.deepEqual(call.framework_id, { value: "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0001" });
    });
  } finally {
    await server.close();
  }
});

const jsonHeaders = { "Content-Type": "application/json", "Mesos-Stream-Id": STREAM };
const eventRecord = (json: string) => encodeRecord(enc(json));
const subscribedRecord = (fw = FW, interval = 15) =>
  eventRecord(
    `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"${fw}"},"heartbeat_interval_seconds":${interval}.0}}`,
  );
const HEARTBEAT = eventRecord('{"type":"HEARTBEAT"}');

Deno.test("scheduler client follows a protocol-relative 307 and remembers the leader for calls", async () => {
  const leader = await startScriptedServer(replayingMaster(jsonHeaders, [[subscribedRecord()]]));
  const follower = await startScriptedServer(() =>
    new Response(null, {
      status: 307,
      headers: { Location: `//127.0.0.1:${leader.port}/master/api/v1/scheduler` },
    })
  );
  try {
    await withClient(
      { master: `127.0.0.1:${follower.port}`, frameworkInfo: INFO, encoding: "json" },
      async (client, it) => {
        const connected = await nextMatching(it, isConnected);
        assert.ok(connected.type === "connected");
        const endpoint = `http://127.0.0.1:${leader.port}/master/api/v1/scheduler`;
        assert.equal(connected.leader.href, endpoint);
        assert.equal(client.leader?.href, endpoint);
        assert.deepEqual(leader.requests[0]!.body, follower.requests[0]!.body, "body re-POSTed");
        await client.call(reconcile());
        assert.equal(follower.requests.length, 1);
        assert.equal(leader.requests.length, 2);
        assert.equal(leader.requests[1]!.path, "/master/api/v1/scheduler");
      },
    );
  } finally {
    await follower.close();
    await leader.close();
  }
});

Deno.test("scheduler client retries a 503 SUBSCRIBE with backoff", async () => {
  let n = 0;
  const stream = replayingMaster(jsonHeaders, [[subscribedRecord()]]);
  const server = await startScriptedServer((req, i, s) =>
    n++ === 0 ? new Response("No leader elected", { status: 503 }) : stream(req, i, s)
  );
  const logger = memoryLogger();
  try {
    await withClient(
      {
        master: server.origin,
        frameworkInfo: INFO,
        encoding: "json",
        backoff: { minMs: 1 },
        logger,
      },
      async (_client, it) => {
        await nextMatching(it, isConnected);
        assert.equal(server.requests.length, 2);
        assert.ok(logger.lines.some((l) => l.includes("No leader elected")));
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client aborts a silent stream after 5 heartbeat intervals and re-subscribes with its framework id", async () => {
  const clock = new FakeClock(1_000_000);
  const server = await startScriptedServer(
    replayingMaster(jsonHeaders, [[subscribedRecord(FW, 15), HEARTBEAT]]),
  );
  try {
    await withClient(
      {
        master: server.origin,
        frameworkInfo: INFO,
        encoding: "json",
        clock,
        backoff: { minMs: 1000 },
      },
      async (client, it) => {
        await nextMatching(it, isConnected);
        await nextMatching(it, isEvent("HEARTBEAT"));
        clock.advance(74_999);
        assert.equal(client.streamId, STREAM, "still subscribed just before the timeout");
        clock.advance(1);
        const lost = await nextMatching(it, (n) => n.type === "disconnected");
        assert.ok(lost.type === "disconnected");
        assert.match(lost.reason, /no record from the master for 75000 ms/);
        assert.equal(client.streamId, undefined);
        assert.equal(server.requests.length, 1);
        clock.advance(1000); // the first backoff delay
        await nextMatching(it, isConnected);
        assert.equal(server.requests.length, 2);
        const again = decodeCall(server.requests[1]!, "json");
        assert.equal(again.type, "SUBSCRIBE");
        assert.deepEqual(again.framework_id, { value: FW });
        assert.deepEqual(again.subscribe!.framework_info.id, { value: FW });
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client treats the end of the response as the end of the stream", async () => {
  const server = await startScriptedServer(
    replayingMaster(jsonHeaders, [[subscribedRecord()]], { endAfter: true }),
  );
  try {
    await withClient(
      {
        master: server.origin,
        frameworkInfo: INFO,
        encoding: "json",
        backoff: { minMs: 1, maxMs: 5 },
      },
      async (_client, it) => {
        await nextMatching(it, isConnected);
        const lost = await nextMatching(it, (n) => n.type === "disconnected");
        assert.ok(lost.type === "disconnected");
        assert.equal(lost.reason, "the master ended the stream");
        await nextMatching(it, isConnected);
        assert.deepEqual(decodeCall(server.requests[1]!, "json").framework_id, { value: FW });
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client stops with FrameworkRemovedError and never registers anew", async () => {
  const removed = eventRecord('{"type":"ERROR","error":{"message":"Framework has been removed"}}');
  const server = await startScriptedServer(
    replayingMaster(jsonHeaders, [[removed]], { endAfter: true }),
  );
  const client = createSchedulerClient({
    master: server.origin,
    frameworkInfo: { ...INFO, id: { value: FW } },
    encoding: "json",
    backoff: { minMs: 1 },
  });
  try {
    const seen: SchedulerNotice[] = [];
    await assert.rejects(async () => {
      for await (const n of client) seen.push(n);
    }, (e) => e instanceof FrameworkRemovedError && e.frameworkId === FW);
    await assert.rejects(client.done, FrameworkRemovedError);
    assert.deepEqual(seen.map((n) => n.type === "event" && n.event.type), ["ERROR"]);
    assert.equal(server.requests.length, 1);
    const sub = decodeCall(server.requests[0]!, "json");
    assert.deepEqual(sub.framework_id, { value: FW });
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("scheduler client surfaces 'Framework failed over' from the captured old stream", async () => {
  const failover = splitRecordIO(await transcriptBytes("failover-old-stream.recordio"));
  const server = await startScriptedServer(
    replayingMaster(jsonHeaders, [[subscribedRecord(), ...failover]], { endAfter: true }),
  );
  const client = createSchedulerClient({
    master: server.origin,
    frameworkInfo: INFO,
    encoding: "json",
    backoff: { minMs: 1 },
  });
  try {
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, isConnected);
    await assert.rejects(nextMatching(it, () => false), FrameworkFailedOverError);
    await assert.rejects(client.done, { name: "FrameworkFailedOverError" });
    assert.equal(server.requests.length, 1);
    await assert.rejects(client.call(reconcile()), { name: "ClientClosedError" });
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("scheduler client sends basic auth on every request and never logs the secret", async () => {
  const server = await startScriptedServer(replayingMaster(jsonHeaders, [[subscribedRecord()]]));
  const logger = memoryLogger();
  try {
    await withClient(
      {
        master: server.origin,
        frameworkInfo: { ...INFO, principal: "etcd" },
        encoding: "json",
        credentials: { principal: "etcd", secret: "s3cr3t" },
        logger,
      },
      async (client, it) => {
        await nextMatching(it, isConnected);
        await client.call(reconcile());
      },
    );
    const expected = `Basic ${btoa("etcd:s3cr3t")}`;
    assert.equal(server.requests.length, 2);
    for (const r of server.requests) assert.equal(r.headers.get("authorization"), expected);
    assert.ok(logger.lines.length > 0);
    assert.ok(!logger.lines.some((l) => l.includes("s3cr3t") || l.includes(btoa("etcd:s3cr3t"))));
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client call() refuses before SUBSCRIBED and reports 4xx as MesosApiError", async () => {
  const stream = replayingMaster(jsonHeaders, [[subscribedRecord()]]);
  const server = await startScriptedServer((req, i, s) =>
    req.headers.has("mesos-stream-id")
      ? new Response("Framework is not subscribed", { status: 403 })
      : stream(req, i, s)
  );
  try {
    await withClient(
      { master: server.origin, frameworkInfo: INFO, encoding: "json" },
      async (client, it) => {
        await assert.rejects(client.call(reconcile()), NotSubscribedError);
        await nextMatching(it, isConnected);
        const err = await client.call(reconcile()).catch((e) => e);
        assert.ok(err instanceof MesosApiError);
        assert.equal(err.status, 403);
        assert.equal(err.body, "Framework is not subscribed");
        await assert.rejects(
          client.call({ type: "SUBSCRIBE" }),
          { name: "TypeError", message: /SUBSCRIBE/ },
        );
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("scheduler client re-subscribes to the new leader when its detector reports a change", async () => {
  const a = await startScriptedServer(replayingMaster(jsonHeaders, [[subscribedRecord()]]));
  const b = await startScriptedServer(replayingMaster(jsonHeaders, [[subscribedRecord()]]));
  let leader = new URL(a.origin);
  let notify: ((l: URL | undefined) => void) | undefined;
  const detector = {
    current: () => Promise.resolve(leader),
    onChange(cb: (l: URL | undefined) => void) {
      notify = cb;
      return () => notify = undefined;
    },
  };
  const client = createSchedulerClient({
    master: detector,
    frameworkInfo: INFO,
    encoding: "json",
    backoff: { minMs: 1 },
  });
  try {
    const it = client[Symbol.asyncIterator]();
    const first = await nextMatching(it, isConnected);
    assert.ok(first.type === "connected" && first.leader.port === String(a.port));
    leader = new URL(b.origin);
    notify!(leader);
    await nextMatching(it, (n) => n.type === "disconnected");
    const second = await nextMatching(it, isConnected);
    assert.ok(second.type === "connected" && second.leader.port === String(b.port));
    assert.deepEqual(decodeCall(b.requests[0]!, "json").framework_id, { value: FW });
  } finally {
    await client.close();
    assert.equal(notify, undefined, "close() stops watching the detector");
    await a.close();
    await b.close();
  }
});

Deno.test("scheduler client close() during the backoff wait stops at once", async () => {
  const server = await startScriptedServer(() =>
    new Response("No leader elected", { status: 503 })
  );
  const client = createSchedulerClient({
    master: server.origin,
    frameworkInfo: INFO,
    backoff: { minMs: 60_000, maxMs: 60_000 },
  });
  await server.waitForRequests(1);
  const started = Date.now();
  await client.close();
  assert.ok(Date.now() - started < 1000);
  await client.done;
  assert.equal(server.requests.length, 1);
  await server.close();
});

Deno.test("scheduler client close() does not wait for a detector that knows no leader yet", async () => {
  let calls = 0;
  const detector = {
    current: () => {
      calls++;
      return new Promise<URL | undefined>(() => {});
    },
  };
  const client = createSchedulerClient({ master: detector, frameworkInfo: INFO });
  await client.close();
  await client.done;
  assert.equal(calls, 1);
});

Deno.test("createSchedulerClient() rejects a bad --master value, naming it", () => {
  assert.throws(
    () => createSchedulerClient({ master: "ftp://m1:5050", frameworkInfo: INFO }),
    { name: "RangeError", message: /ftp:\/\/m1:5050/ },
  );
});
