import assert from "node:assert/strict";
import { staticLeader } from "../lib/mesos/leader_source.ts";
import { formatTaskId } from "../contract/task_id.ts";
import { FrameworkNotFoundError, masterSource, schedulerSource } from "./sources.ts";

const A = { name: "etcd-1", host: "10.0.0.1", peerPort: 31000, clientPort: 31001 };
const B = { name: "etcd-2", host: "10.0.0.2", peerPort: 31100, clientPort: 31101 };

/** A fake master: GET_FRAMEWORKS and paged /master/tasks; records every request. */
function fakeMaster(
  frameworks: { id: string; name: string; active?: boolean }[],
  tasks: unknown[],
) {
  const requests: string[] = [];
  const respond = (input: string | URL | Request, init?: RequestInit): Response => {
    const url = new URL(String(input));
    requests.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    if (url.pathname === "/api/v1") {
      assert.deepEqual(JSON.parse(String(init?.body)), { type: "GET_FRAMEWORKS" });
      return Response.json({
        type: "GET_FRAMEWORKS",
        get_frameworks: {
          frameworks: frameworks.map((f, i) => ({
            framework_info: { user: "root", name: f.name, id: { value: f.id } },
            active: f.active ?? true,
            registered_time: { nanoseconds: 1000 + i },
          })),
        },
      });
    }
    if (url.pathname === "/master/tasks") {
      const id = url.searchParams.get("framework_id");
      const offset = Number(url.searchParams.get("offset"));
      const limit = Number(url.searchParams.get("limit"));
      const mine = tasks.filter((t) => (t as { framework_id: string }).framework_id === id);
      return Response.json({ tasks: mine.slice(offset, offset + limit) });
    }
    return new Response("no", { status: 404 });
  };
  const doFetch =
    ((input: string | URL | Request, init?: RequestInit) =>
      Promise.resolve(respond(input, init))) as typeof fetch;
  return { doFetch, requests };
}

function task(parts: typeof A, frameworkId: string, state = "TASK_RUNNING") {
  return { id: formatTaskId(parts), framework_id: frameworkId, state, name: "etcd-server" };
}

Deno.test("masterSource() resolves the framework id once, then reads only its tasks", async () => {
  const { doFetch, requests } = fakeMaster(
    [{ id: "fw-other", name: "other" }, { id: "fw-1", name: "etcd" }],
    [task(A, "fw-1"), task(B, "fw-1", "TASK_FAILED"), task(B, "fw-other")],
  );
  const source = masterSource(staticLeader("10.1.1.1:5050"), "etcd", { fetch: doFetch });
  assert.deepEqual(await source.members(), [A]);
  assert.deepEqual(await source.members(), [A]);
  assert.deepEqual(requests, [
    "POST /api/v1",
    "GET /master/tasks?framework_id=fw-1&limit=100&offset=0",
    "GET /master/tasks?framework_id=fw-1&limit=100&offset=0",
  ]);
  assert.ok(!requests.some((r) => r.includes("/state")), "never reads the whole state");
});

Deno.test("masterSource() pages through /master/tasks and prefers the active framework", async () => {
  const many = Array.from(
    { length: 5 },
    (_, i) => task({ ...A, name: `etcd-${i}`, clientPort: 32000 + i }, "fw-new"),
  );
  const { doFetch, requests } = fakeMaster(
    [{ id: "fw-old", name: "etcd", active: false }, { id: "fw-new", name: "etcd" }],
    many,
  );
  const source = masterSource(staticLeader("m:5050"), "etcd", { fetch: doFetch, pageSize: 2 });
  assert.equal((await source.members()).length, 5);
  assert.deepEqual(requests.slice(1).map((r) => r.replace(/.*offset=/, "")), ["0", "2", "4"]);
});

Deno.test("masterSource() looks the framework up again when its cached id has no running task", async () => {
  const fw = [{ id: "fw-1", name: "etcd" }];
  const tasks = [task(A, "fw-1")];
  const { doFetch, requests } = fakeMaster(fw, tasks);
  const source = masterSource(staticLeader("m:5050"), "etcd", { fetch: doFetch });
  assert.deepEqual(await source.members(), [A]);
  // The framework was replaced by a new one with the same name.
  fw[0] = { id: "fw-2", name: "etcd" };
  tasks[0] = task(B, "fw-2");
  assert.deepEqual(await source.members(), []);
  assert.deepEqual(await source.members(), [B]);
  assert.equal(requests.filter((r) => r === "POST /api/v1").length, 2);
});

Deno.test("masterSource() names the framework, the master and what is registered when not found", async () => {
  const { doFetch } = fakeMaster([{ id: "fw-1", name: "kafka" }], []);
  const source = masterSource(staticLeader("10.1.1.1:5050"), "etcd", { fetch: doFetch });
  await assert.rejects(() => source.members(), (e: unknown) => {
    assert.ok(e instanceof FrameworkNotFoundError);
    assert.match(
      e.message,
      /Framework "etcd" is not registered with the Mesos master http:\/\/10\.1\.1\.1:5050\//,
    );
    assert.match(e.message, /registered: "kafka"/);
    assert.match(e.message, /--framework-name/);
    return true;
  });
});

Deno.test("masterSource() fails clearly without a leading master", async () => {
  const source = masterSource({ current: () => Promise.resolve(undefined) }, "etcd");
  await assert.rejects(() => source.members(), /No leading Mesos master/);
});

Deno.test("schedulerSource() reads /members and reports HTTP errors with the URL", async () => {
  let status = 200;
  const seen: string[] = [];
  const doFetch = ((input: string | URL | Request) => {
    seen.push(String(input));
    return Promise.resolve(
      status === 200
        ? Response.json([{
          name: A.name,
          host: A.host,
          rpcPort: A.peerPort,
          clientPort: A.clientPort,
          taskState: "TASK_RUNNING",
          learner: false,
        }])
        : new Response("boom", { status }),
    );
  }) as typeof fetch;
  const source = schedulerSource("http://s:23400/", { fetch: doFetch });
  assert.deepEqual(await source.members(), [A]);
  assert.deepEqual(seen, ["http://s:23400/members"]);
  status = 500;
  await assert.rejects(() => source.members(), /GET http:\/\/s:23400\/members answered 500: boom/);
});

Deno.test("schedulerSource() reports an unreachable scheduler with its URL", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const source = schedulerSource(`http://127.0.0.1:${port}`);
  await assert.rejects(
    () => source.members(),
    new RegExp(`Cannot reach http://127\\.0\\.0\\.1:${port}/members`),
  );
});

Deno.test("schedulerSource() with several URLs finds the leader past a dead one and a standby", async () => {
  const asked: string[] = [];
  const answers: Record<string, () => Response> = {
    "http://dead:1/members": () => {
      throw new TypeError("connection refused");
    },
    "http://standby:1/members": () => Response.json([]),
    "http://leader:1/members": () =>
      Response.json([{
        name: A.name,
        host: A.host,
        rpcPort: A.peerPort,
        clientPort: A.clientPort,
        taskState: "TASK_RUNNING",
        learner: false,
      }]),
  };
  const doFetch = ((input: string | URL | Request) => {
    asked.push(String(input));
    try {
      return Promise.resolve(answers[String(input)]!());
    } catch (e) {
      return Promise.reject(e);
    }
  }) as typeof fetch;
  const source = schedulerSource(["http://dead:1", "http://standby:1", "http://leader:1"], {
    fetch: doFetch,
  });
  assert.deepEqual(await source.members(), [A]);
  assert.deepEqual(asked, [
    "http://dead:1/members",
    "http://standby:1/members",
    "http://leader:1/members",
  ]);
  asked.length = 0;
  assert.deepEqual(await source.members(), [A]);
  assert.deepEqual(asked, ["http://leader:1/members"], "the leader is asked first from then on");
  // Only failures: one error naming every URL.
  answers["http://leader:1/members"] = answers["http://dead:1/members"]!;
  answers["http://standby:1/members"] = answers["http://dead:1/members"]!;
  await assert.rejects(() => source.members(), /leader:1.*dead:1.*standby:1/);
});
