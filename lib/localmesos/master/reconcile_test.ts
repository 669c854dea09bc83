import assert from "node:assert/strict";
import type { Plain } from "../../mesos/plain.ts";
import { reconcileAnswers, type ReconcileView } from "./reconcile.ts";
import { MasterState } from "./state.ts";

function view(capabilities: Plain[] = [], over: Partial<ReconcileView> = {}): ReconcileView {
  const state = new MasterState();
  const framework = state.addFramework("F", { user: "u", name: "n", capabilities }, 0);
  framework.tasks.set("known", {
    frameworkId: "F",
    agentId: "S0",
    taskId: "known",
    name: "known",
    executorId: "e",
    info: {},
    resources: [],
    state: "TASK_RUNNING",
    statuses: [],
    unacked: new Map(),
  });
  return {
    framework,
    isAgentRegistered: (id) => id === "S0",
    unreachableSince: (id) => (id === "S9" ? 100 : undefined),
    recovering: false,
    now: 42.5,
    ...over,
  };
}

const ask = (taskId: string, agentId?: string) => ({
  task_id: { value: taskId },
  ...(agentId ? { agent_id: { value: agentId } } : {}),
});

function summary(statuses: Plain[]) {
  return statuses.map((s) => [s.task_id.value, s.state, s.message, s.agent_id?.value]);
}

Deno.test("reconcileAnswers() explicit answers for a non partition-aware framework", () => {
  const answers = reconcileAnswers(view(), [
    ask("known"),
    ask("gone", "S0"),
    ask("far", "S9"),
    ask("unknown-agent", "S5"),
    ask("no-agent"),
  ]);
  assert.deepEqual(summary(answers), [
    ["known", "TASK_RUNNING", "Reconciliation: Latest task state", "S0"],
    ["gone", "TASK_LOST", "Reconciliation: Task is unknown to the agent", "S0"],
    ["far", "TASK_LOST", "Reconciliation: Task is unreachable", "S9"],
    ["unknown-agent", "TASK_LOST", "Reconciliation: Task is unknown", "S5"],
    ["no-agent", "TASK_LOST", "Reconciliation: Task is unknown", undefined],
  ]);
  for (const a of answers) {
    assert.equal(a.source, "SOURCE_MASTER");
    assert.equal(a.reason, "REASON_RECONCILIATION");
    assert.equal(a.uuid, undefined);
    assert.equal(a.timestamp, 42.5);
  }
  assert.equal(answers[0]!.executor_id.value, "e");
  assert.equal(answers[2]!.unreachable_time.nanoseconds, 100_000_000_000);
});

Deno.test("reconcileAnswers() uses TASK_GONE/UNREACHABLE/UNKNOWN for partition-aware frameworks", () => {
  const answers = reconcileAnswers(view([{ type: "PARTITION_AWARE" }]), [
    ask("gone", "S0"),
    ask("far", "S9"),
    ask("nope"),
  ]);
  assert.deepEqual(answers.map((a) => a.state), ["TASK_GONE", "TASK_UNREACHABLE", "TASK_UNKNOWN"]);
});

Deno.test("reconcileAnswers() stays silent about unknown agents while recovering", () => {
  const answers = reconcileAnswers(view([], { recovering: true }), [
    ask("gone", "S0"),
    ask("x", "S5"),
    ask("y"),
  ]);
  assert.deepEqual(summary(answers).map((s) => s[0]), ["gone"]);
});

Deno.test("reconcileAnswers() implicit: every known task, nothing when there is none", () => {
  assert.deepEqual(summary(reconcileAnswers(view(), [])), [
    ["known", "TASK_RUNNING", "Reconciliation: Latest task state", "S0"],
  ]);
  const empty = view();
  empty.framework.tasks.clear();
  assert.deepEqual(reconcileAnswers(empty, []), []);
});
