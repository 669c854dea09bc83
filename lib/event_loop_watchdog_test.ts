import assert from "node:assert/strict";
import { startEventLoopWatchdog } from "./event_loop_watchdog.ts";

const MODULE = new URL("./event_loop_watchdog.ts", import.meta.url).href;

/** Runs `body` in a fresh Deno process with a 2 s watchdog started first. */
async function runWithWatchdog(body: string): Promise<Deno.CommandOutput> {
  const code = `
    import { startEventLoopWatchdog } from "${MODULE}";
    const dog = startEventLoopWatchdog({ program: "demo", limitMs: 2000, beatMs: 200 });
    ${body}
  `;
  return await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("a process whose event loop is blocked is killed with a loud line", async () => {
  // A microtask loop, like grpc-js's transparent retries: timers never fire again.
  const out = await runWithWatchdog(`
    console.log("spinning");
    const spin = () => Promise.resolve().then(spin);
    spin();
  `);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.success, false);
  assert.equal(out.signal, "SIGKILL");
  assert.match(stderr, /^FATAL \S+ demo: event loop blocked for \d+ s \(limit 2 s\); killing/m);
});

Deno.test("a process that keeps its event loop turning is left alone", async () => {
  const out = await runWithWatchdog(`
    await new Promise((r) => setTimeout(r, 3500));
    dog.stop();
    console.log("done");
  `);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "done");
});

Deno.test("a limit below 2 s is refused, naming it", () => {
  assert.throws(
    () => startEventLoopWatchdog({ program: "x", limitMs: 500 }),
    /limit 500 ms: expected >= 2000/,
  );
});
