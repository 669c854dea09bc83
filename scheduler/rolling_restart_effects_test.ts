import assert from "node:assert/strict";
import { createEtcdAdminClient } from "../lib/etcd/admin_client.ts";
import { memoryLogger } from "../lib/log.ts";
import type { Input } from "./core/inputs.ts";
import type { RollingRestartRecord } from "./core/rolling_restart_run.ts";
import { RollingRestartEffects } from "./rolling_restart_effects.ts";

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("records are stored one after another: the newest is the one kept", async () => {
  const stored: number[] = [];
  const effects = new RollingRestartEffects({
    etcd: createEtcdAdminClient({ endpoints: ["127.0.0.1:1"] }),
    feed: () => {},
    // The first write is the slowest: written in order anyway.
    persist: (r: RollingRestartRecord) =>
      new Promise((resolve) =>
        setTimeout(() => {
          stored.push(r.started);
          resolve();
        }, r.started === 1 ? 50 : 1)
      ),
    logger: memoryLogger(),
  });
  await Promise.all(
    [1, 2, 3].map((n) =>
      effects.run({ type: "persistRollingRestart", record: { started: n, finished: 0 } })
    ),
  );
  assert.deepEqual(stored, [1, 2, 3]);
});

Deno.test("a MoveLeader etcd refuses comes back as leaderMoved ok: false with the reason", async () => {
  const etcd = createEtcdAdminClient({ endpoints: [`127.0.0.1:${closedPort()}`], timeoutMs: 500 });
  const fed: Input[] = [];
  const effects = new RollingRestartEffects({
    etcd,
    feed: (i) => fed.push(i),
    logger: memoryLogger(),
  });
  try {
    await effects.run({
      type: "etcdMoveLeader",
      leaderEndpoint: `http://127.0.0.1:${closedPort()}`,
      targetMemberId: "42",
      from: "etcd-1",
      to: "etcd-2",
    });
  } finally {
    etcd.close();
  }
  assert.equal(fed.length, 1);
  const answer = fed[0]!;
  assert.ok(answer.type === "leaderMoved" && !answer.ok && answer.targetMemberId === "42");
  assert.match(answer.detail ?? "", /moveLeader/);
});
