import assert from "node:assert/strict";
import { ancestorsOf, descendantsOf, isAlive, killAll, processesUnder } from "./leftovers.ts";

Deno.test("processesUnder() finds a process by its cwd or an argument naming the dir; killAll() ends it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leftovers-" });
  const other = await Deno.makeTempDir({ prefix: "leftovers-" });
  const byCwd = new Deno.Command("sleep", { args: ["30"], cwd: dir }).spawn();
  const byArg = new Deno.Command("sh", { args: ["-c", "sleep 30", `--data-dir=${dir}/data`] })
    .spawn();
  const unrelated = new Deno.Command("sleep", { args: ["30"], cwd: other }).spawn();
  try {
    const found = await processesUnder(dir);
    const pids = found.map((p) => p.pid).sort();
    assert.deepEqual(pids, [byCwd.pid, byArg.pid].sort());
    assert.ok(found.some((p) => /sleep 30$/.test(p.command)), JSON.stringify(found));
    assert.deepEqual(killAll(found).sort(), pids);
    assert.equal((await byCwd.status).signal, "SIGKILL");
    assert.equal((await byArg.status).signal, "SIGKILL");
    assert.deepEqual(await processesUnder(dir), []);
  } finally {
    unrelated.kill("SIGKILL");
    await unrelated.status;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("processesUnder() does not match a sibling directory with a longer name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leftovers-" });
  const sibling = `${dir}-2`;
  await Deno.mkdir(sibling);
  const child = new Deno.Command("sleep", { args: ["30"], cwd: sibling }).spawn();
  try {
    assert.deepEqual(await processesUnder(dir), []);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(sibling, { recursive: true });
  }
});

Deno.test("descendantsOf() finds grandchildren; isAlive() turns false once they exit", async () => {
  const child = new Deno.Command("sh", { args: ["-c", "sleep 30 & sleep 30; wait"] }).spawn();
  try {
    let found: ReturnType<typeof descendantsOf> = [];
    for (let i = 0; i < 100 && found.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      found = descendantsOf(child.pid);
    }
    assert.equal(found.length, 2, JSON.stringify(found));
    assert.ok(found.every(isAlive));
    Deno.kill(child.pid, "SIGKILL");
    await child.status;
    killAll(found.map((p) => ({ pid: p.pid, command: "" })));
    for (let i = 0; i < 100 && found.some(isAlive); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(!found.some(isAlive));
    assert.equal(isAlive({ pid: found[0]!.pid, startTime: "0" }), false, "start time must match");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }
});

Deno.test("processesUnder() never lists this process or its ancestors (the `deno task` naming the dir)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leftovers-" });
  // A parent whose command line names the dir runs a child that runs processesUnder(dir).
  const code = `import { processesUnder } from "${new URL("./leftovers.ts", import.meta.url).href}";
    console.log(JSON.stringify(await processesUnder(Deno.args[0])));`;
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `"$0" eval "$1" "$2"; : "--work-dir=$2"`, Deno.execPath(), code, dir],
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), []);
    const mine = ancestorsOf(Deno.pid);
    assert.ok(mine.has(Deno.pid) && mine.size >= 2, JSON.stringify([...mine]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
