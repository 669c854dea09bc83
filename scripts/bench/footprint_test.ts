import assert from "node:assert/strict";
import { formatFootprint, readProc, roleOf } from "./footprint.ts";
import { summarize } from "../bench_stats.ts";

Deno.test("readProc reads this process' RSS and CPU ticks; a missing pid gives undefined", () => {
  const me = readProc(Deno.pid);
  assert.ok(me && me.rssKb > 1000 && me.ticks >= 0, JSON.stringify(me));
  assert.equal(readProc(2 ** 22 + 12345), undefined);
});

Deno.test("roles: grpc-proxy, floor, member, proxy, executor; anything else is no role", () => {
  assert.equal(
    roleOf("/usr/bin/etcd grpc-proxy start --endpoints=x"),
    "etcd grpc-proxy (under the proxy)",
  );
  assert.equal(roleOf("/usr/bin/etcd --name=footprint-floor --data-dir=/w"), "bare etcd (floor)");
  assert.equal(roleOf("/usr/bin/etcd --name=etcd-1 --data-dir=/w/executors/x"), "etcd member");
  assert.equal(roleOf("/deno run -A /r/proxy/main.ts --scheduler-url=u"), "proxy");
  assert.equal(
    roleOf("/w/executors/etcd-executor-etcd-1-31000/runs/r/etcd-mesos-executor"),
    "executor",
  );
  assert.equal(roleOf("/usr/bin/java -cp zookeeper.jar"), undefined);
});

Deno.test("the footprint table shows each role against the floor", () => {
  const row = (role: string, mb: number) => ({
    role,
    pids: [1],
    rssMb: summarize([mb]),
    cpuPercent: summarize([0.5]),
  });
  const text = formatFootprint({
    windowSeconds: 10,
    rows: [row("scheduler", 90), row("bare etcd (floor)", 30)],
    floorRssMb: 30,
  });
  assert.match(text, /floor: bare etcd 30\.0 MB/);
  assert.match(text, /scheduler\s+1\s+90\.0\/90\.0\/90\.0\s+3\.00/);
});
