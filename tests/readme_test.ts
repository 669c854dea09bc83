/**
 * The README for operators stays true: its flag tables match the flag specs, and it keeps
 * the sections operators rely on.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PROXY_SPECS } from "../proxy/config.ts";
import { SPECS } from "../scheduler/config_specs.ts";
import {
  flagCells,
  flagTable,
  replaceSection,
  sectionOf,
  staleSections,
  tableCells,
} from "../scripts/readme_tables.ts";

const README = new URL("../README.md", import.meta.url).pathname;

Deno.test("README flag tables match scheduler/config_specs.ts and proxy/config.ts", async () => {
  const text = await Deno.readTextFile(README);
  assert.deepEqual(
    staleSections(text),
    [],
    "README.md is out of date: run deno run -A scripts/readme_tables.ts --write",
  );
  const scheduler = tableCells(sectionOf(text, "scheduler-flags")!);
  assert.equal(scheduler.length, SPECS.length, "one row per scheduler flag");
  assert.equal(tableCells(sectionOf(text, "proxy-flags")!).length, PROXY_SPECS.length);
  for (const env of ["FRAMEWORK_NAME", "MESOS_MASTER", "ZK_PERSIST", "CLUSTER_SIZE", "PORT0"]) {
    assert.ok(scheduler.some((row) => row[2]!.includes(`\`${env}\``)), env);
  }
});

Deno.test("README keeps its sections and documents every admin endpoint", async () => {
  const text = await Deno.readTextFile(README);
  const headings = [...text.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]);
  for (
    const h of [
      "Quick start",
      "Tasks",
      "Layout",
      "The Mesos v1 protocol layer",
      "The local Mesos",
      "Running in production",
      "Building what ships",
      "Flags and environment variables",
      "Admin API",
      "Metrics to alert on",
      "Service discovery",
      "Failures: what happens and what to do",
    ]
  ) {
    assert.ok(headings.includes(h), `section "${h}"`);
  }
  for (
    const path of [
      "/healthz",
      "/stats",
      "/members",
      "/membership",
      "/metrics",
      "/history",
      "/reseed",
      "/events",
      "/rolling-restart",
      "/cluster-size",
      "/charts/raft-index.svg",
    ]
  ) {
    assert.ok(text.includes(`\`${path}\``), path);
  }
  assert.ok(text.includes("_etcd-server._client.<framework>.mesos"));
  assert.ok(text.includes("DENORT_BIN"));
});

Deno.test("flagTable() escapes pipes and tableCells() reads them back", () => {
  const rows = [{ name: "x", def: "", help: "a | b", env: ["X", "Y"] }];
  const table = flagTable(rows);
  assert.match(table, /a \\\| b/);
  assert.deepEqual(tableCells(table), flagCells(rows));
  assert.deepEqual(flagCells(rows)[0], ["`--x`", "", "`X`, `Y`", "a | b"]);
});

Deno.test("replaceSection() rewrites between the markers and names a missing section", () => {
  const md = "a\n<!-- BEGIN GENERATED: t -->\nold\n<!-- END GENERATED: t -->\nb\n";
  const out = replaceSection(md, "t", "new");
  assert.equal(sectionOf(out, "t"), "new");
  assert.ok(out.startsWith("a\n") && out.endsWith("b\n"));
  assert.throws(() => replaceSection(md, "u", "x"), /README has no section "u"/);
});
