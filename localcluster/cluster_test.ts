import assert from "node:assert/strict";
import { parseLocalClusterArgs } from "./config.ts";
import { schedulerLaunch } from "./cluster.ts";
import { silentLogger } from "../lib/log.ts";

const given = ["--executor-bin=/tmp/x.tar", "--etcd-bin=/usr/bin/etcd"];

Deno.test("schedulerLaunch() picks a free artifact port unless one is given", async () => {
  const picked = await schedulerLaunch(parseLocalClusterArgs(given), silentLogger);
  const flag = picked.args.find((a) => a.startsWith("--artifact-port="));
  assert.ok(flag !== undefined, "an artifact port is chosen");
  assert.notEqual(flag, "--artifact-port=12300", "not the fixed default");
  const mine = await schedulerLaunch(
    parseLocalClusterArgs([...given, "--artifact-port=23456"]),
    silentLogger,
  );
  assert.deepEqual(mine.args.filter((a) => a.includes("artifact-port")), ["--artifact-port=23456"]);
});
