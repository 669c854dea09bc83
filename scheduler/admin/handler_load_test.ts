/**
 * The admin API under a bounded burst: 2,000 requests at concurrency 50 against a real
 * `Deno.serve` of the handler over a live shell, mixing good reads with bad methods,
 * unknown paths, missing and wrong tokens and oversized bodies. Every answer must carry the
 * right status, and the scheduler's state must not change. (The long 1,000 req/s run is
 * `scripts/bench_admin.ts`.)
 */
import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { startSteadyShell } from "../testing/shell_fakes.ts";
import { createAdminHandler } from "./handler.ts";
import { type LoadRequest, quantile, runLoad } from "./load_driver.ts";
import { withMeasures } from "./samples.ts";

const TOKEN = "admin-token-never-sent-9f2c";
const BIG = "x".repeat(64 * 1024);

/** Whether JSON text `body` equals `value`. */
function sameJson(body: string, value: unknown): boolean {
  try {
    assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(value)));
    return true;
  } catch {
    return false;
  }
}

/** [method, path, headers, body, expected status]. */
type Case = [string, string, Record<string, string>, string | undefined, number];

Deno.test("admin API: a 2,000-request burst gets the right status codes and changes nothing", async () => {
  const logger = memoryLogger({ level: "info" });
  const world = await startSteadyShell(3);
  const { shell, client } = world;
  let reseeds = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createAdminHandler({
      stats: () => shell.stats(),
      members: () => shell.members(),
      health: () => shell.health(),
      requestReseed: () => {
        reseeds++;
        shell.push({ type: "admin", action: "reseed" });
      },
      token: TOKEN,
      logger,
    }),
  );
  try {
    assert.equal(shell.health().healthy, true, shell.health().reason);
    assert.equal(shell.members().length, 3);
    const state = structuredClone(shell.state);
    const stats = { ...shell.stats(), leader: 1 };
    // /members adds each member's measured db sizes (none measured here).
    const members = withMeasures(shell.members(), undefined);
    const calls = client.calls.length;
    const cases: Case[] = [
      ["GET", "/healthz", {}, undefined, 200],
      ["HEAD", "/healthz", {}, undefined, 200],
      ["GET", "/stats", {}, undefined, 200],
      ["GET", "/members", {}, undefined, 200],
      ["GET", "/metrics", {}, undefined, 200],
      ["GET", "/", {}, undefined, 200],
      ["POST", "/healthz", {}, "{}", 405],
      ["DELETE", "/members", {}, undefined, 405],
      ["PUT", "/stats", {}, BIG, 405],
      ["GET", "/reseed", { authorization: `Bearer ${TOKEN}x` }, undefined, 405],
      ["GET", "/../etc/passwd", {}, undefined, 404],
      ["GET", "/nope", {}, undefined, 404],
      ["POST", "/reseed", {}, undefined, 401],
      ["POST", "/reseed", { authorization: "Bearer wrong" }, undefined, 401],
      ["POST", "/reseed", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, undefined, 401],
      ["POST", "/reseed", { authorization: `Basic ${btoa(`u:${TOKEN}`)}` }, undefined, 401],
      ["POST", "/reseed", { authorization: "Bearer wrong" }, BIG, 413],
    ];
    const base = `http://127.0.0.1:${server.addr.port}`;
    const mismatches: string[] = [];
    const result = await runLoad({
      total: 2000,
      concurrency: 50,
      request: (i): LoadRequest => {
        const [method, path, headers, body] = cases[i % cases.length]!;
        return { url: base + path, init: { method, headers, body } };
      },
      onResponse: (i, _req, status, body) => {
        const [method, path, , , expected] = cases[i % cases.length]!;
        if (status !== expected) mismatches.push(`${method} ${path}: ${status} != ${expected}`);
        if (method === "GET" && path === "/stats" && !sameJson(body, stats)) {
          mismatches.push(`stats ${body}`);
        }
        if (method === "GET" && path === "/members" && !sameJson(body, members)) {
          mismatches.push(`members ${body}`);
        }
      },
    });
    assert.deepEqual(mismatches.slice(0, 10), []);
    assert.equal(result.requests, 2000);
    assert.equal(result.errors, 0, result.errorSamples.join("; "));
    assert.ok(result.latencyMs.p99 < 2000, `p99 ${result.latencyMs.p99} ms`);
    assert.equal(reseeds, 0);
    assert.deepEqual(shell.state, state, "the burst changed the scheduler's state");
    assert.equal(client.calls.length, calls, "the burst made Mesos calls");
    const refused = logger.records.filter((r) => r.msg === "admin: POST /reseed refused").length;
    assert.ok(refused >= 400, `${refused} refusals logged`);
    assert.ok(!logger.lines.some((l) => l.includes(TOKEN)), "the token was logged");
  } finally {
    await server.shutdown();
    await world.stop();
  }
});

Deno.test("quantile() picks the nearest-rank value", () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantile(v, 0.5), 5);
  assert.equal(quantile(v, 0.95), 10);
  assert.equal(quantile(v, 0), 1);
  assert.equal(quantile([], 0.5), 0);
});
