import assert from "node:assert/strict";
import type { ObservedStep } from "../admin/history.ts";
import type { Effect, MemberLaunch } from "../core/effects.ts";
import type { ReseedRun } from "../core/reseed_run.ts";
import type { BackupRef, RestoreRun, RestoreState } from "../core/restore_run.ts";
import { initialState, type MemberRecord, type State } from "../core/state.ts";
import type { EventDraft } from "./event.ts";
import { eventsOfStep } from "./events_of_step.ts";

function member(n: number, over: Partial<MemberRecord> = {}): MemberRecord {
  return {
    name: `etcd-${n}`,
    taskId: `etcd-${n} h${n} 3100${n} 3200${n}`,
    agentId: `a${n}`,
    hostname: `h${n}`,
    peerPort: 31000 + n,
    clientPort: 32000 + n,
    taskState: "TASK_RUNNING",
    learner: false,
    memberId: `${n}00`,
    raftIndex: `${100 + n}`,
    ...over,
  };
}

const M = [member(1), member(2), member(3)];

function state(over: Partial<State> = {}): State {
  return { ...initialState({ clusterSize: 3 }), connected: true, reconciled: true, ...over };
}

/** A formed cluster of three that has launched its three members. */
const formed = (over: Partial<State> = {}) =>
  state({
    members: M,
    clusterFormed: true,
    counters: { ...initialState().counters, launched_servers: 3 },
    ...over,
  });

function launch(n: number, clusterState: "new" | "existing"): Effect {
  const m = member(n);
  return {
    type: "launch",
    offerId: `o${n}`,
    agentId: m.agentId,
    member: {
      taskId: m.taskId,
      name: m.name,
      agentId: m.agentId,
      hostname: m.hostname,
      peerPort: m.peerPort,
      clientPort: m.clientPort,
      config: { clusterState },
    } as MemberLaunch,
  };
}

/** Member `n`'s launch in a static bootstrap of etcd-1..3. */
function staticLaunch(n: number): Effect {
  const e = launch(n, "new") as Extract<Effect, { type: "launch" }>;
  const initialCluster = [1, 2, 3].map((k) => `etcd-${k}=http://h${k}:${k}00`).join(",");
  return {
    ...e,
    member: { ...e.member, config: { clusterState: "new", initialCluster } },
  } as Effect;
}

function run(over: Partial<ReseedRun> = {}): ReseedRun {
  return {
    id: "reseed-1",
    source: "auto",
    reason: "quorum lost for 240s",
    startedAt: 1000,
    phase: "confirming",
    phaseAt: 1000,
    candidates: [],
    reachable: [],
    failed: [],
    orders: [],
    seq: 0,
    ...over,
  };
}

const log = (msg: string, fields: Record<string, string> = {}): Effect => ({
  type: "log",
  level: "warn",
  msg,
  fields,
});

const step = (
  before: State,
  after: State,
  effects: Effect[] = [],
  at = 5000,
): ObservedStep => ({ input: { type: "tick" }, before, after, effects, at });

const T = (t: string) => M.find((m) => m.name === t)!.taskId;
const ranking = [T("etcd-2"), T("etcd-1")];

const BACKUP: BackupRef = {
  id: "20250101T000000000Z",
  url: "http://s/backups/20250101T000000000Z.db",
  sha256: "ab",
  revision: "42",
  verified: true,
};

const restore = (over: Partial<RestoreState> = {}): RestoreState => ({
  autoRestore: true,
  done: 0,
  started: 0,
  ...over,
});

const restoreRun = (over: Partial<RestoreRun> = {}): RestoreRun => ({
  id: "restore-1",
  source: "admin",
  backup: BACKUP,
  startedAt: 1000,
  phase: "fencing",
  phaseAt: 1000,
  targets: [M[0]!.taskId, M[1]!.taskId],
  clusterToken: "t2",
  orders: [],
  seq: 0,
  ...over,
});

const backupsInput = (latest?: BackupRef): ObservedStep["input"] => ({
  type: "backups",
  autoRestore: true,
  ...(latest ? { latest } : {}),
});

/** [what happened, the step, the events expected (kind and reason; fields checked apart)]. */
const CASES: [string, ObservedStep, Pick<EventDraft, "kind" | "reason">[]][] = [
  ["a tick that decides nothing", step(formed(), formed()), []],
  ["the first launch of a new cluster", step(state(), state(), [launch(1, "new")]), [
    { kind: "launch", reason: "first member of a new 3-member cluster, on h1" },
  ]],
  [
    "a launch of a static bootstrap (every member at once)",
    step(state(), state(), [staticLaunch(2)]),
    [{ kind: "launch", reason: "member 2 of a new 3-member cluster started at once, on h2" }],
  ],
  [
    "a launch during bring-up",
    step(state({ members: [M[0]!] }), state(), [launch(2, "existing")]),
    [{ kind: "launch", reason: "member 2 of 3, on h2" }],
  ],
  [
    "a launch replacing a retired member",
    step(
      formed({
        members: [M[0]!, member(2, { retiring: { reason: "x", at: 1, removed: true } }), M[2]!],
      }),
      formed(),
      [launch(4, "existing")],
    ),
    [{ kind: "relaunch", reason: "replaces etcd-2, on h4" }],
  ],
  [
    "a kill",
    step(formed(), formed(), [{
      type: "kill",
      taskId: T("etcd-3"),
      agentId: "a3",
      reason: "unreachable for 30s",
    }]),
    [{ kind: "kill", reason: "unreachable for 30s" }],
  ],
  [
    "an etcd member removal",
    step(formed(), formed(), [{
      type: "etcdRemove",
      memberId: "300",
      reason: "its task is TASK_FAILED",
      endpoints: [],
    }]),
    [{ kind: "remove", reason: "its task is TASK_FAILED" }],
  ],
  [
    "a learner added",
    step(formed({ members: [M[0]!, M[1]!] }), formed(), [{
      type: "etcdAddLearner",
      member: { name: "etcd-4", peerUrl: "http://h4:31004" },
      endpoints: [],
    }]),
    [{ kind: "add", reason: "2 of 3 members live; adding etcd-4" }],
  ],
  [
    "a learner promoted",
    step(formed(), formed(), [{
      type: "etcdPromote",
      memberId: "300",
      name: "etcd-3",
      endpoints: [],
    }]),
    [{ kind: "promote", reason: "learner caught up (raft index 103)" }],
  ],
  [
    "a reseed started automatically",
    step(formed(), formed({ reseed: run() })),
    [{ kind: "reseed.started", reason: "automatic: quorum lost for 240s" }],
  ],
  [
    "an operator's reseed that ranks at once",
    step(
      formed(),
      formed({
        reseed: run({ source: "admin", phase: "fencing", candidates: ranking, seed: ranking[0] }),
      }),
    ),
    [
      { kind: "reseed.started", reason: "operator request: quorum lost for 240s" },
      {
        kind: "reseed.fencing",
        reason: "survivors ranked by raft index: etcd-2 (index 102), etcd-1 (index 101); " +
          "fencing every other member before seeding etcd-2",
      },
    ],
  ],
  [
    "fencing done: seeding",
    step(
      formed({ reseed: run({ phase: "fencing", candidates: ranking, seed: ranking[0] }) }),
      formed({ reseed: run({ phase: "seeding", candidates: ranking, seed: ranking[0] }) }),
    ),
    [{ kind: "reseed.seeding", reason: "seeding from etcd-2 (index 102)" }],
  ],
  [
    "a seed that failed: the next candidate",
    step(
      formed({ reseed: run({ phase: "seeding", candidates: ranking, seed: ranking[0] }) }),
      formed({
        reseed: run({
          phase: "seeding",
          candidates: ranking,
          seed: ranking[1],
          failed: [ranking[0]!],
        }),
      }),
    ),
    [{ kind: "reseed.seeding", reason: "etcd-2 did not become healthy; seeding from etcd-1" }],
  ],
  [
    "the seed is healthy",
    step(
      formed({ reseed: run({ phase: "seeding", seed: ranking[0] }) }),
      formed({ reseed: run({ phase: "cleanup", seed: ranking[0] }) }),
    ),
    [{
      kind: "reseed.cleanup",
      reason: "seed etcd-2 is healthy as a one-member cluster; killing the fenced members",
    }],
  ],
  [
    "the reseed is done, killing the last fenced member",
    step(formed({ reseed: run({ phase: "cleanup", seed: ranking[0] }) }), formed(), [
      { type: "kill", taskId: T("etcd-3"), agentId: "a3", reason: "fenced by reseed-1" },
      log("reseed done: regrowing from the seed"),
    ]),
    [
      { kind: "reseed.ended", reason: "reseed done: regrowing from the seed" },
      { kind: "kill", reason: "fenced by reseed-1" },
    ],
  ],
  [
    "a reseed aborted",
    step(formed({ reseed: run({ phase: "seeding" }) }), formed(), [
      log("reseed aborted", { reason: "no candidate left" }),
    ]),
    [{ kind: "reseed.ended", reason: "reseed aborted: no candidate left" }],
  ],
  [
    "a reseed that finds no survivor",
    step(
      formed({ reseed: run() }),
      formed({ noSurvivor: { since: 5000, reason: "no member answers" } }),
    ),
    [{ kind: "reseed.ended", reason: "no survivor: no member answers" }],
  ],
  [
    "a new verified backup",
    {
      ...step(formed(), formed({ restore: restore({ latest: BACKUP }) })),
      input: backupsInput(BACKUP),
    },
    [{
      kind: "backup",
      reason: "newest verified backup 20250101T000000000Z (revision 42, verified)",
    }],
  ],
  [
    "the same backup reported again",
    {
      ...step(
        formed({ restore: restore({ latest: BACKUP }) }),
        formed({
          restore: restore({ latest: BACKUP }),
        }),
      ),
      input: backupsInput(BACKUP),
    },
    [],
  ],
  [
    "an operator's restore in place",
    step(formed(), formed({ restore: restore({ run: restoreRun(), started: 1 }) })),
    [{
      kind: "restore.started",
      reason: "operator request: restore backup 20250101T000000000Z (revision 42, verified) " +
        "in place; fencing etcd-1, etcd-2",
    }],
  ],
  [
    "every member fenced: restoring",
    step(
      formed({ restore: restore({ run: restoreRun() }) }),
      formed({ restore: restore({ run: restoreRun({ phase: "restoring" }) }) }),
    ),
    [{
      kind: "restore.restoring",
      reason: "every member is fenced; each restores backup 20250101T000000000Z " +
        "(revision 42, verified)",
    }],
  ],
  [
    "a restore done",
    step(
      formed({ restore: restore({ run: restoreRun({ phase: "restoring" }) }) }),
      formed({ restore: restore({ done: 1, last: { at: 5000, backup: BACKUP.id } }) }),
    ),
    [{ kind: "restore.done", reason: "the cluster serves backup 20250101T000000000Z" }],
  ],
  [
    "a restore failed",
    step(
      formed({ restore: restore({ run: restoreRun({ phase: "restoring" }) }) }),
      formed({ restore: restore({ failed: { at: 5000, reason: "restore-1: not healthy" } }) }),
    ),
    [{ kind: "restore.failed", reason: "restore-1: not healthy" }],
  ],
  [
    "an automatic restore after total loss seeds a new cluster",
    step(
      formed({ lost: true, restore: restore({ latest: BACKUP }) }),
      state({
        restore: restore({ latest: BACKUP, seed: { ...BACKUP, source: "auto", at: 5000 } }),
      }),
    ),
    [{
      kind: "restore.started",
      reason: "automatic, after total loss: seed a new cluster from backup " +
        "20250101T000000000Z (revision 42, verified)",
    }],
  ],
  ["total loss", step(formed(), formed({ lost: true })), [
    {
      kind: "cluster.lost",
      reason: "every member is gone; nothing changes until a reseed or a restore",
    },
  ]],
  [
    "the liveness alarm raised",
    step(formed(), formed({ alarm: { since: 1, blocker: "no offer fits a member" } })),
    [{ kind: "stuck", reason: "no offer fits a member" }],
  ],
  [
    "the liveness alarm cleared",
    step(formed({ alarm: { since: 1, blocker: "no offer fits a member" } }), formed()),
    [{ kind: "stuck.cleared", reason: "was: no offer fits a member" }],
  ],
];

for (const [what, observed, expected] of CASES) {
  Deno.test(`eventsOfStep(): ${what}`, () => {
    const got = eventsOfStep(observed).map(({ kind, reason }) => ({ kind, reason }));
    assert.deepEqual(got, expected);
  });
}

Deno.test("eventsOfStep() names the member, host and task of launches and kills", () => {
  const [relaunch] = eventsOfStep(step(formed(), formed(), [launch(4, "existing")]));
  assert.deepEqual(relaunch?.fields, {
    member: "etcd-4",
    host: "h4",
    agent: "a4",
    task: member(4).taskId,
  });
  assert.equal(relaunch?.reason, "replaces a member that is gone (3 of 3 live), on h4");
  const [kill] = eventsOfStep(step(formed(), formed(), [{
    type: "kill",
    taskId: T("etcd-1"),
    agentId: "a1",
    reason: "r",
  }]));
  assert.deepEqual(kill?.fields, { member: "etcd-1", task: T("etcd-1") });
  const [remove] = eventsOfStep(step(formed(), formed(), [{
    type: "etcdRemove",
    memberId: "200",
    reason: "r",
    endpoints: [],
  }]));
  assert.deepEqual(remove?.fields, { member: "etcd-2", memberId: "200" });
});
