import assert from "node:assert/strict";
import type { EtcdAlarm } from "../../lib/etcd/maintenance.ts";
import {
  afterMaintenance,
  DEFAULT_COOLDOWNS,
  formatBytes,
  fragmentationOf,
  initialMaintenanceMemory,
  type MaintenanceAction,
  type MaintenanceInput,
  type MaintenanceMember,
  type MaintenanceMemory,
  planMaintenance,
} from "./plan.ts";

const MiB = 1024 * 1024;
const SETTINGS = { defragThreshold: 0.5, defragMinDbBytes: 64 * MiB, ...DEFAULT_COOLDOWNS };

function member(n: number, over: Partial<MaintenanceMember> = {}): MaintenanceMember {
  return {
    name: `etcd-${n}`,
    memberId: `${n}00`,
    clientUrl: `http://h${n}:2379`,
    leader: n === 1,
    learner: false,
    reachable: true,
    dbSize: 100 * MiB,
    dbSizeInUse: 80 * MiB,
    ...over,
  };
}

const input = (over: Partial<MaintenanceInput> = {}): MaintenanceInput => ({
  members: [member(1), member(2), member(3)],
  alarms: [],
  mutable: true,
  healthy: true,
  ...over,
});

/** Short form of an action: `kind member` or `kind`. */
function brief(a: MaintenanceAction): string {
  if (a.kind === "defrag") return `defrag ${a.member.name}`;
  if (a.kind === "disarm") return `disarm ${a.member}`;
  return a.kind;
}

const fragmented = (n: number, over: Partial<MaintenanceMember> = {}) =>
  member(n, { dbSize: 200 * MiB, dbSizeInUse: 60 * MiB, ...over });

/** [situation, input, memory, expected action (brief), expected reason or why (regexp)]. */
const CASES: [string, MaintenanceInput, MaintenanceMemory, string, RegExp][] = [
  ["nothing to do", input(), initialMaintenanceMemory(), "none", /no member needs/],
  [
    "a fragmented follower",
    input({ members: [member(1), fragmented(2), member(3)] }),
    initialMaintenanceMemory(),
    "defrag etcd-2",
    /fragmentation 0\.70 of etcd-2 over --defrag-threshold 0\.5 \(db 200\.0 MiB, in use 60\.0 MiB\)/,
  ],
  [
    "followers before the leader, the most fragmented first",
    input({
      members: [
        fragmented(1, { dbSizeInUse: 10 * MiB }),
        fragmented(2),
        fragmented(3, { dbSizeInUse: 20 * MiB }),
      ],
    }),
    initialMaintenanceMemory(),
    "defrag etcd-3",
    /etcd-3/,
  ],
  [
    "the leader once the followers are done",
    input({ members: [fragmented(1), fragmented(2), fragmented(3)] }),
    { lastDefragAt: { "200": 1000, "300": 2000 } },
    "defrag etcd-1",
    /etcd-1/,
  ],
  [
    "a member defragmented within the cooldown waits",
    input({ members: [member(1), fragmented(2), member(3)] }),
    { lastDefragAt: { "200": 10_000 - 1000 } },
    "none",
    /no member needs/,
  ],
  [
    "a small db is not worth it",
    input({ members: [member(1), fragmented(2, { dbSize: 10 * MiB, dbSizeInUse: 1 * MiB })] }),
    initialMaintenanceMemory(),
    "none",
    /no member needs/,
  ],
  [
    "fragmentation at the threshold is not over it",
    input({ members: [member(1, { dbSize: 100 * MiB, dbSizeInUse: 50 * MiB })] }),
    initialMaintenanceMemory(),
    "none",
    /no member needs/,
  ],
  [
    "no defragmentation while a voter is unreachable",
    input({ members: [member(1), fragmented(2), member(3, { reachable: false })] }),
    initialMaintenanceMemory(),
    "none",
    /etcd-3 unreachable/,
  ],
  [
    "no defragmentation while unhealthy",
    input({ members: [fragmented(2)], healthy: false }),
    initialMaintenanceMemory(),
    "none",
    /not healthy/,
  ],
  [
    "nothing at all while not mutable (a reseed)",
    input({ alarms: [{ memberId: "100", alarm: "NOSPACE" }], mutable: false }),
    initialMaintenanceMemory(),
    "none",
    /not mutable/,
  ],
  [
    "NOSPACE raised: handling starts, even when unhealthy",
    input({ alarms: [{ memberId: "200", alarm: "NOSPACE" }], healthy: false }),
    initialMaintenanceMemory(),
    "nospace",
    /NOSPACE \(space quota exhausted\) on etcd-2: compact, defragment each member, then disarm/,
  ],
  [
    "NOSPACE again right after handling it",
    input({ alarms: [{ memberId: "200", alarm: "NOSPACE" }] }),
    { lastDefragAt: {}, nospaceEndedAt: 10_000 - 5000 },
    "none",
    /live data exceeds the quota/,
  ],
  [
    "a CORRUPT alarm is not NOSPACE",
    input({ alarms: [{ memberId: "200", alarm: "CORRUPT" }] }),
    initialMaintenanceMemory(),
    "none",
    /no member needs/,
  ],
];

for (const [what, given, memory, expected, reason] of CASES) {
  Deno.test(`planMaintenance(): ${what}`, () => {
    const { action } = planMaintenance(memory, given, 10_000, SETTINGS);
    assert.equal(brief(action), expected);
    assert.match(action.kind === "none" ? action.why : action.reason, reason);
  });
}

Deno.test("planMaintenance(): NOSPACE is handled in order: compact, followers, leader, disarm", () => {
  const alarms: EtcdAlarm[] = [
    { memberId: "100", alarm: "NOSPACE" },
    { memberId: "300", alarm: "NOSPACE" },
  ];
  let memory = initialMaintenanceMemory();
  let now = 10_000;
  const taken: string[] = [];
  let current = input({
    alarms,
    members: [member(1), member(2), member(3, { reachable: false }), member(4, { learner: true })],
  });
  for (let i = 0; i < 20; i++) {
    const plan = planMaintenance(memory, current, now, SETTINGS);
    memory = plan.memory;
    if (plan.action.kind === "none") {
      taken.push(`none: ${plan.action.why}`);
      break;
    }
    taken.push(brief(plan.action));
    memory = afterMaintenance(memory, plan.action, true, now);
    if (plan.action.kind === "disarm") {
      const disarmed = plan.action.alarm;
      current = { ...current, alarms: current.alarms.filter((a) => a !== disarmed) };
    }
    now += 1000;
  }
  assert.deepEqual(taken, [
    "nospace",
    "compact",
    "defrag etcd-4",
    "defrag etcd-2",
    "defrag etcd-1",
    "disarm etcd-1",
    "disarm etcd-3",
    "none: NOSPACE handled",
  ]);
  assert.equal(memory.nospace, undefined);
  assert.equal(memory.nospaceEndedAt, now);
  assert.deepEqual(Object.keys(memory.lastDefragAt).sort(), ["100", "200", "400"]);
});

Deno.test("planMaintenance(): a failed compaction is tried again; a failed defrag moves on", () => {
  let memory = planMaintenance(
    initialMaintenanceMemory(),
    input({ alarms: [{ memberId: "100", alarm: "NOSPACE" }] }),
    0,
    SETTINGS,
  ).memory;
  const compact = planMaintenance(memory, input(), 1, SETTINGS).action;
  assert.equal(compact.kind, "compact");
  memory = afterMaintenance(memory, compact, false, 1);
  assert.equal(planMaintenance(memory, input(), 2, SETTINGS).action.kind, "compact");
  memory = afterMaintenance(memory, compact, true, 2);
  const defrag = planMaintenance(memory, input(), 3, SETTINGS).action;
  assert.equal(brief(defrag), "defrag etcd-2");
  memory = afterMaintenance(memory, defrag, false, 3);
  assert.equal(brief(planMaintenance(memory, input(), 4, SETTINGS).action), "defrag etcd-3");
});

Deno.test("fragmentationOf() and formatBytes()", () => {
  assert.equal(fragmentationOf(member(1, { dbSize: 100, dbSizeInUse: 25 })), 0.75);
  assert.equal(fragmentationOf(member(1, { dbSize: undefined })), undefined);
  assert.equal(fragmentationOf(member(1, { dbSize: 0, dbSizeInUse: 0 })), undefined);
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
});
