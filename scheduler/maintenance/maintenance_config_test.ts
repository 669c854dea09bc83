import assert from "node:assert/strict";
import { parseConfig } from "../config.ts";
import { etcdMaintenanceArgs, parseByteSize } from "./maintenance_config.ts";

const ZK = "--zk-framework-persist=zk://127.0.0.1:2181/etcd";

Deno.test("maintenance flags: defaults", () => {
  assert.deepEqual(parseConfig([ZK], {}).maintenance, {
    defragThreshold: 0.5,
    defragMinDbBytes: 64 * 1024 * 1024,
    autoCompactionMode: "periodic",
    autoCompactionRetention: "1h",
  });
});

Deno.test("maintenance flags: values, environment and the etcd flags they become", () => {
  const c = parseConfig([
    ZK,
    "--defrag-min-db-size=10MB",
    "--auto-compaction-retention=5000",
    "--auto-compaction-mode=revision",
  ], { DEFRAG_THRESHOLD: "0.3" }).maintenance;
  assert.equal(c.defragThreshold, 0.3);
  assert.equal(c.defragMinDbBytes, 10_000_000);
  assert.deepEqual(etcdMaintenanceArgs(c), [
    "--auto-compaction-mode=revision",
    "--auto-compaction-retention=5000",
  ]);
  assert.equal(
    parseConfig([ZK, "--auto-compaction-retention=0"], {}).maintenance
      .autoCompactionRetention,
    "0",
  );
});

Deno.test("maintenance flags: bad values are refused naming the flag and the value", () => {
  const bad: [string[], RegExp][] = [
    [["--defrag-threshold=0"], /--defrag-threshold "0"/],
    [["--defrag-threshold=1.5"], /--defrag-threshold "1.5": expected a fraction/],
    [["--defrag-min-db-size=lots"], /--defrag-min-db-size "lots"/],
    [["--auto-compaction-mode=hourly"], /--auto-compaction-mode "hourly"/],
    [["--auto-compaction-retention=soon"], /--auto-compaction-retention "soon"/],
    [
      ["--auto-compaction-mode=revision", "--auto-compaction-retention=30m"],
      /--auto-compaction-retention "30m": expected a number of revisions/,
    ],
  ];
  for (const [args, message] of bad) assert.throws(() => parseConfig([ZK, ...args], {}), message);
});

Deno.test("parseByteSize() reads bytes with decimal and binary units", () => {
  assert.equal(parseByteSize("--x", "1048576"), 1048576);
  assert.equal(parseByteSize("--x", "64MiB"), 64 * 1024 * 1024);
  assert.equal(parseByteSize("--x", "1.5 GB"), 1.5e9);
  assert.equal(parseByteSize("--x", "2kib"), 2048);
  assert.throws(() => parseByteSize("--x", "12 parsecs"), /--x "12 parsecs"/);
});
