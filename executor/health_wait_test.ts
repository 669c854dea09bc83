import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import { checkEtcdHealth, type HealthProbe, waitForEtcdHealthy } from "./health_wait.ts";

type Answer = Response | Error | "hang";

/** A fetch that plays `answers` in order (the last one repeats) and records URLs. */
function scriptedFetch(answers: Answer[]) {
  const urls: string[] = [];
  let i = 0;
  const fn = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    urls.push(String(input));
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a === "hang") {
      return new Promise((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted")))
      );
    }
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a.clone());
  };
  return { fetch: fn as typeof fetch, urls };
}

const healthy = () => new Response(`{"health":"true"}`);

/** Lets pending promise callbacks run (no timers involved). */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

Deno.test("checkEtcdHealth() accepts only health true and says why not otherwise", async () => {
  const clock = new FakeClock();
  const check = async (a: Answer) =>
    await checkEtcdHealth("http://h:1/", {
      fetch: scriptedFetch([a]).fetch,
      clock,
    });
  assert.deepEqual(await check(healthy()), { healthy: true, detail: "healthy" });
  assert.deepEqual(await check(new Response(`{"health":"false"}`)), {
    healthy: false,
    detail: `{"health":"false"}`,
  });
  assert.deepEqual(await check(new Response("no leader", { status: 503 })), {
    healthy: false,
    detail: "HTTP 503 no leader",
  });
  const refused = await check(new TypeError("connection refused"));
  assert.equal(refused.healthy, false);
  assert.match(refused.detail, /connection refused/);
  assert.equal(clock.pending, 0, "the request timer was not cleared");
});

Deno.test("checkEtcdHealth() gives up after the request timeout", async () => {
  const clock = new FakeClock();
  const p = checkEtcdHealth("http://h:1", {
    fetch: scriptedFetch(["hang"]).fetch,
    clock,
    requestTimeoutMs: 500,
  });
  await settle();
  clock.advance(500);
  assert.deepEqual(await p, { healthy: false, detail: "no answer in time" });
});

Deno.test("waitForEtcdHealthy() polls /health on the interval until healthy", async () => {
  const clock = new FakeClock();
  const script = scriptedFetch([
    new TypeError("refused"),
    new Response("", { status: 503 }),
    healthy(),
  ]);
  const probes: HealthProbe[] = [];
  let result: boolean | undefined;
  waitForEtcdHealthy("http://127.0.0.1:2379", {
    fetch: script.fetch,
    clock,
    intervalMs: 100,
    onProbe: (p) => probes.push(p),
  }).then((r) => result = r);
  await settle();
  assert.equal(script.urls.length, 1);
  clock.advance(99);
  await settle();
  assert.equal(script.urls.length, 1, "probed before the interval was over");
  clock.advance(1);
  await settle();
  clock.advance(100);
  await settle();
  assert.equal(result, true);
  assert.deepEqual(script.urls, Array(3).fill("http://127.0.0.1:2379/health"));
  assert.equal(probes.length, 2);
  assert.equal(clock.pending, 0);
});

Deno.test("waitForEtcdHealthy() resolves false when aborted", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let result: boolean | undefined;
  waitForEtcdHealthy("http://h:1", {
    fetch: scriptedFetch([new TypeError("refused")]).fetch,
    clock,
    signal: controller.signal,
  }).then((r) => result = r);
  await settle();
  assert.equal(result, undefined);
  controller.abort();
  await settle();
  assert.equal(result, false);
  assert.equal(clock.pending, 0, "a pause timer was left behind");
});
