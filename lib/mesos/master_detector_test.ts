import assert from "node:assert/strict";
import { memoryLogger } from "../log.ts";
import { ZkClient } from "../zk/client.ts";
import type { ZkConnectOptions } from "../zk/session.ts";
import { expireSession, startZooKeeper } from "../zk/testing/zookeeper_server.ts";
import { freePort } from "../free_ports.ts";
import {
  createMasterDetector,
  type MasterDetector,
  masterUrlFromNode,
  packIpv4,
  pickLeader,
} from "./master_detector.ts";

const SESSION_MS = 3000;

/** MasterInfo JSON shaped like mesos-transcripts/zk-master-info.txt. */
function masterJson(port: number, id = crypto.randomUUID()): string {
  return JSON.stringify({
    address: { hostname: "localhost", ip: "127.0.0.1", port },
    capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
    hostname: "localhost",
    id,
    ip: packIpv4("127.0.0.1"),
    pid: `master@127.0.0.1:${port}`,
    port,
    version: "1.12.0",
  });
}

/** A fake master: its own ZooKeeper session holding one EPHEMERAL_SEQUENTIAL node. */
async function registerMaster(url: string, port: number, path = "/mesos"): Promise<ZkClient> {
  const session = await ZkClient.connect(url, { sessionTimeoutMs: SESSION_MS });
  await session.mkdirp(path);
  await session.create(`${path}/json.info_`, masterJson(port), "ephemeral_sequential");
  return session;
}

/** Resolves with the first reported leader for which `want` holds. */
function changeTo(
  detector: MasterDetector,
  want: (url: URL | undefined) => boolean,
  timeoutMs = 15_000,
): Promise<URL | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching leader change within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = detector.onChange((url) => {
      if (!want(url)) return;
      clearTimeout(timer);
      off();
      resolve(url);
    });
  });
}

function connected(client: ZkClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.state === "connected") return resolve();
    const off = client.onStateChange((s) => s === "connected" && (off(), resolve()));
  });
}

const port = (p: number) => (url: URL | undefined) => url?.port === String(p);

Deno.test("pickLeader() takes the smallest sequence and skips non-numeric children", () => {
  assert.deepEqual(
    pickLeader(["log_replicas", "json.info_0000000007", "json.info_0000000003", "info_0000000005"]),
    { name: "json.info_0000000003", seq: 3, format: "json" },
  );
  assert.deepEqual(pickLeader(["info_0000000002", "json.info_0000000004"]), {
    name: "info_0000000002",
    seq: 2,
    format: "protobuf",
  });
  assert.deepEqual(pickLeader(["0000000009", "json.info_0000000010"]), {
    name: "0000000009",
    seq: 9,
    format: "pid",
  });
  assert.equal(pickLeader(["log_replicas", "json.info_x", "json.info_"]), undefined);
  assert.equal(pickLeader([]), undefined);
});

Deno.test("masterUrlFromNode() reads JSON and bare pid data", () => {
  const json = new TextEncoder().encode(masterJson(15060));
  assert.equal(
    masterUrlFromNode({ name: "json.info_0000000000", seq: 0, format: "json" }, json).href,
    "http://127.0.0.1:15060/",
  );
  const pid = new TextEncoder().encode("master@10.1.1.1:5050");
  assert.equal(
    masterUrlFromNode({ name: "0000000001", seq: 1, format: "pid" }, pid, "https").href,
    "https://10.1.1.1:5050/",
  );
});

Deno.test("createMasterDetector() with host:port is static", async () => {
  const detector = createMasterDetector("master@127.0.0.1:5051");
  const url = await detector.current();
  assert.equal(url?.href, "http://127.0.0.1:5051/");
  url!.port = "1"; // callers get copies
  assert.equal((await detector.current())?.href, "http://127.0.0.1:5051/");
  detector.onChange(() => assert.fail("a static master never changes"))();
  await detector.close();
  await detector.close();
});

Deno.test("createMasterDetector() rejects a bad spec naming it", () => {
  assert.throws(() => createMasterDetector("zk://h:2181/"), {
    name: "RangeError",
    message: /zk:\/\/h:2181\//,
  });
  assert.throws(() => createMasterDetector("nope:port"), {
    name: "RangeError",
    message: /"nope:port"/,
  });
});

Deno.test("master detector follows the leader when its ephemeral znode disappears", async () => {
  const zk = await startZooKeeper();
  const first = await registerMaster(zk.url, 15060);
  const second = await registerMaster(zk.url, 15061);
  const log = memoryLogger();
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, {
    logger: log,
    zkSessionTimeoutMs: SESSION_MS,
  });
  try {
    assert.equal((await detector.current())?.href, "http://127.0.0.1:15060/");
    const switched = changeTo(detector, port(15061));
    await first.close();
    assert.equal((await switched)?.href, "http://127.0.0.1:15061/");
    assert.equal((await detector.current())?.href, "http://127.0.0.1:15061/");

    const none = changeTo(detector, (url) => url === undefined);
    await second.close();
    await none;
    assert.equal(await detector.current(), undefined);

    const third = await registerMaster(zk.url, 15062);
    await changeTo(detector, port(15062));
    await third.close();
    assert.ok(
      log.lines.some((l) =>
        /leading master changed .*master=http:\/\/127\.0\.0\.1:15061\//.test(l)
      ),
    );
  } finally {
    await detector.close();
    await first.close();
    await second.close();
    await zk.stop();
  }
});

Deno.test("master detector reports undefined when the group has no master", async () => {
  const zk = await startZooKeeper();
  const setup = await ZkClient.connect(zk.url);
  await setup.mkdirp("/mesos/log_replicas");
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, { zkSessionTimeoutMs: SESSION_MS });
  try {
    assert.equal(await detector.current(), undefined);
  } finally {
    await detector.close();
    await setup.close();
    await zk.stop();
  }
});

Deno.test("master detector waits for a group znode that does not exist yet", async () => {
  const zk = await startZooKeeper();
  const detector = createMasterDetector(`zk://${zk.url}/a/mesos`, {
    zkSessionTimeoutMs: SESSION_MS,
  });
  let master: ZkClient | undefined;
  try {
    assert.equal(await detector.current(), undefined);
    const found = changeTo(detector, port(15070));
    master = await registerMaster(zk.url, 15070, "/a/mesos");
    await found;
  } finally {
    await detector.close();
    await master?.close();
    await zk.stop();
  }
});

Deno.test("master detector reads legacy bare-sequence nodes holding a pid", async () => {
  const zk = await startZooKeeper();
  const master = await ZkClient.connect(zk.url);
  await master.mkdirp("/mesos");
  // The client library refuses "/mesos/" as a sequential prefix, so name the node by hand.
  await master.create("/mesos/0000000000", "master@127.0.0.1:15080", "ephemeral");
  await master.create("/mesos/json.info_", masterJson(15081), "ephemeral_sequential");
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, { zkSessionTimeoutMs: SESSION_MS });
  try {
    assert.equal((await detector.current())?.href, "http://127.0.0.1:15080/");
  } finally {
    await detector.close();
    await master.close();
    await zk.stop();
  }
});

Deno.test("master detector reports undefined for unreadable leader data and logs why", async () => {
  const zk = await startZooKeeper();
  const master = await ZkClient.connect(zk.url);
  await master.mkdirp("/mesos");
  await master.create("/mesos/json.info_", "not json", "ephemeral_sequential");
  const log = memoryLogger();
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, {
    zkSessionTimeoutMs: SESSION_MS,
    logger: log,
  });
  try {
    assert.equal(await detector.current(), undefined);
    assert.ok(log.lines.some((l) => l.startsWith("WARN") && l.includes("json.info_0000000000")));
  } finally {
    await detector.close();
    await master.close();
    await zk.stop();
  }
});

Deno.test("master detector keeps following across a ZooKeeper restart", async () => {
  const zk = await startZooKeeper();
  const first = await registerMaster(zk.url, 15090);
  const second = await registerMaster(zk.url, 15091);
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, {
    zkSessionTimeoutMs: 8000,
    retryDelayMs: 100,
  });
  try {
    assert.equal((await detector.current())?.port, "15090");
    await zk.restart();
    // The fake master must be back online to end its session (and drop its node) at once.
    await connected(first);
    const switched = changeTo(detector, port(15091));
    await first.close();
    await switched;
  } finally {
    await detector.close();
    await first.close();
    await second.close();
    await zk.stop();
  }
});

Deno.test("master detector opens a new session after expiry and keeps following", async () => {
  const zk = await startZooKeeper();
  const first = await registerMaster(zk.url, 15100);
  const second = await registerMaster(zk.url, 15101);
  const sessions: ZkClient[] = [];
  const detector = createMasterDetector(`zk://${zk.url}/mesos`, {
    zkSessionTimeoutMs: SESSION_MS,
    retryDelayMs: 100,
    connectZk: async (servers: string, options: ZkConnectOptions) => {
      const client = await ZkClient.connect(servers, { ...options, retryDelayMs: 100 });
      sessions.push(client);
      return client;
    },
  });
  const seen: (string | undefined)[] = [];
  try {
    assert.equal((await detector.current())?.port, "15100");
    detector.onChange((url) => seen.push(url?.port));
    await expireSession(zk, sessions[0]!);
    const deadline = Date.now() + 15_000;
    while (sessions.length < 2 || sessions[1]!.state !== "connected") {
      assert.ok(Date.now() < deadline, "no new session after expiry");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.notEqual(sessions[1]!.sessionId, sessions[0]!.sessionId);
    const switched = changeTo(detector, port(15101));
    await first.close();
    await switched;
    assert.deepEqual(seen, ["15101"]); // no flap to undefined around the expiry
  } finally {
    await detector.close();
    await first.close();
    await second.close();
    await zk.stop();
  }
});

Deno.test("master detector reports undefined while ZooKeeper is unreachable and close() stops it", async () => {
  const detector = createMasterDetector(`zk://127.0.0.1:${freePort()}/mesos`, {
    zkSessionTimeoutMs: 1000,
    retryDelayMs: 100,
  });
  assert.equal(await detector.current(), undefined);
  await detector.close();
});
