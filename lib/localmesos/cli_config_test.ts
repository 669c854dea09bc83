import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { parseLocalMesosArgs } from "./cli_config.ts";
import { resourcesForAgent } from "./cluster.ts";

Deno.test("parseLocalMesosArgs() reads every flag", () => {
  const c = parseLocalMesosArgs([
    "--masters",
    "2",
    "--agents=3",
    "--port",
    "15050",
    "--zk",
    "zk://127.0.0.1:2181/mesos",
    "--work-dir",
    "/tmp/x",
    "--agent-resources",
    "cpus:2;ports:[1-2]",
  ]);
  deepStrictEqual(
    [c.masters, c.agents, c.port, c.zk, c.workDir, c.agentResources],
    [2, 3, 15050, "zk://127.0.0.1:2181/mesos", "/tmp/x", "cpus:2;ports:[1-2]"],
  );
});

Deno.test("parseLocalMesosArgs() names the bad flag and value", () => {
  throws(() => parseLocalMesosArgs(["--agents", "x"]), /--agents "x"/);
  throws(() => parseLocalMesosArgs(["--port", "70000"]), /--port "70000"/);
  throws(() => parseLocalMesosArgs(["--zk", "http://a"]), /--zk "http:\/\/a"/);
  throws(() => parseLocalMesosArgs(["--masters", "2"]), /needs --zk/);
  throws(() => parseLocalMesosArgs(["--masters", "0"]), /needs --master/);
  throws(() => parseLocalMesosArgs(["--bogus"]), /bogus/);
});

Deno.test("resourcesForAgent() gives each agent its own slice of ports", () => {
  const r = "cpus:4;mem:4096;disk:20000;ports:[31000-31099]";
  strictEqual(resourcesForAgent(r, 0), r);
  strictEqual(resourcesForAgent(r, 2), "cpus:4;mem:4096;disk:20000;ports:[31200-31299]");
  strictEqual(
    resourcesForAgent("cpus:1;ports:[100-109,200-209]", 1),
    "cpus:1;ports:[210-219,310-319]",
  );
  strictEqual(resourcesForAgent("cpus:1", 5), "cpus:1");
  throws(() => resourcesForAgent("ports:[65000-65535]", 1), /exceed 65535/);
});
