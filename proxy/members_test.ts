import assert from "node:assert/strict";
import { memberLabels } from "../contract/labels.ts";
import { formatTaskId } from "../contract/task_id.ts";
import {
  endpointsOf,
  memberFromTask,
  membersFromScheduler,
  membersFromTasks,
  planProxy,
} from "./members.ts";

const A = { name: "etcd-1", host: "10.0.0.1", peerPort: 31000, clientPort: 31001 };
const B = { name: "etcd-2", host: "10.0.0.2", peerPort: 31100, clientPort: 31101 };

function task(parts: typeof A, state = "TASK_RUNNING", id = formatTaskId(parts)) {
  return {
    id,
    name: "etcd-server",
    state,
    labels: memberLabels(parts, "token"),
  };
}

Deno.test("membersFromScheduler() keeps running voters and drops learners and other states", () => {
  const view = (m: typeof A, extra: Record<string, unknown>) => ({
    name: m.name,
    host: m.host,
    rpcPort: m.peerPort,
    clientPort: m.clientPort,
    taskState: "TASK_RUNNING",
    learner: false,
    ...extra,
  });
  const got = membersFromScheduler([
    view(B, {}),
    view(A, {}),
    view({ ...A, name: "etcd-3", clientPort: 1 }, { learner: true }),
    view({ ...A, name: "etcd-4", clientPort: 2 }, { taskState: "TASK_STAGING" }),
    { garbage: true },
  ]);
  assert.deepEqual(got, [A, B]);
});

Deno.test("membersFromScheduler() names an answer that is not an array", () => {
  assert.throws(
    () => membersFromScheduler({ error: "x" }),
    /\{"error":"x"\}.*expected a JSON array/,
  );
});

Deno.test("memberFromTask() reads the task id, then the member labels", () => {
  assert.deepEqual(memberFromTask(task(A)), A);
  // An id that is not ours: the labels still say who the member is.
  assert.deepEqual(memberFromTask(task(B, "TASK_RUNNING", "custom-id")), B);
  // The protobuf JSON form (task_id object, nested labels) works too.
  assert.deepEqual(
    memberFromTask({ task_id: { value: formatTaskId(A) }, labels: { labels: [] } }),
    A,
  );
  assert.equal(memberFromTask({ id: "sleep-1", labels: [] }), undefined);
  assert.equal(memberFromTask("nonsense"), undefined);
});

Deno.test("membersFromTasks() takes TASK_RUNNING members once each, sorted by name", () => {
  const got = membersFromTasks([
    task(B),
    task(A, "TASK_KILLED"),
    task(A),
    task(A),
    { id: "other", state: "TASK_RUNNING" },
  ]);
  assert.deepEqual(got, [A, B]);
});

Deno.test("endpointsOf() gives sorted client URLs and brackets IPv6 hosts", () => {
  assert.deepEqual(endpointsOf([B, A, { ...A, host: "::1" }]), [
    "http://10.0.0.1:31001",
    "http://10.0.0.2:31101",
    "http://[::1]:31001",
  ]);
});

Deno.test("planProxy() starts once members exist and waits before", () => {
  assert.deepEqual(planProxy(undefined, []), {
    action: "wait",
    reason: "no running member found yet",
  });
  assert.deepEqual(planProxy(undefined, ["http://b:2", "http://a:1"]), {
    action: "start",
    endpoints: ["http://a:1", "http://b:2"],
    added: ["http://a:1", "http://b:2"],
    removed: [],
  });
});

Deno.test("planProxy() restarts when a member is added (a replacement) with exactly the found set", () => {
  const plan = planProxy(["http://a:1", "http://b:2"], ["http://b:2", "http://c:3"]);
  assert.deepEqual(plan, {
    action: "restart",
    endpoints: ["http://b:2", "http://c:3"],
    added: ["http://c:3"],
    removed: ["http://a:1"],
  });
});

Deno.test("planProxy() keeps the proxy for removals while an endpoint survives, and when none is found", () => {
  const removal = planProxy(["http://a:1", "http://b:2"], ["http://b:2"]);
  assert.equal(removal.action, "keep");
  assert.deepEqual(removal.action === "keep" && removal.removed, ["http://a:1"]);
  assert.equal(planProxy(["http://a:1"], ["http://a:1"]).action, "keep");
  const none = planProxy(["http://a:1"], []);
  assert.equal(none.action, "keep");
  assert.match(none.action === "keep" ? none.reason : "", /no running member/);
});
