import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log.ts";
import { ProxyFollower } from "./follower.ts";
import { GrpcProxyExitedError, type ProxyRunner } from "./grpc_proxy.ts";
import type { ProxyMember } from "./members.ts";
import { FrameworkNotFoundError, type MemberSource } from "./sources.ts";

const A = { name: "etcd-1", host: "a", peerPort: 1000, clientPort: 1001 };
const B = { name: "etcd-2", host: "b", peerPort: 2000, clientPort: 2001 };
const C = { name: "etcd-3", host: "c", peerPort: 3000, clientPort: 3001 };

/** A source answering from a script: members, or an error to throw. */
class ScriptedSource implements MemberSource {
  readonly description = "scripted";
  next: ProxyMember[] | Error = [];
  calls = 0;
  members(): Promise<ProxyMember[]> {
    this.calls++;
    const n = this.next;
    return n instanceof Error ? Promise.reject(n) : Promise.resolve(structuredClone(n));
  }
}

class FakeRunner implements ProxyRunner {
  endpoints: string[] | undefined;
  starts: string[][] = [];
  stops = 0;
  failNext: Error | undefined;
  #exit: ((e: GrpcProxyExitedError) => void)[] = [];
  restart(endpoints: readonly string[]): Promise<void> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      this.endpoints = undefined;
      return Promise.reject(e);
    }
    this.starts.push([...endpoints]);
    this.endpoints = [...endpoints];
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stops++;
    this.endpoints = undefined;
    return Promise.resolve();
  }
  onUnexpectedExit(cb: (e: GrpcProxyExitedError) => void): void {
    this.#exit.push(cb);
  }
  crash(): void {
    this.endpoints = undefined;
    for (const cb of this.#exit) cb(new GrpcProxyExitedError(2, "boom"));
  }
}

function setup() {
  const source = new ScriptedSource();
  const proxy = new FakeRunner();
  const clock = new FakeClock(0);
  const logger = memoryLogger();
  const follower = new ProxyFollower({ source, proxy, clock, logger, pollIntervalMs: 1000 });
  return { source, proxy, clock, logger, follower };
}

const url = (m: ProxyMember) => `http://${m.host}:${m.clientPort}`;

Deno.test("ProxyFollower restarts the proxy only when a member is added", async () => {
  const { source, proxy, follower } = setup();
  source.next = [];
  assert.equal((await follower.pollOnce()).kind, "applied");
  assert.deepEqual(proxy.starts, [], "nothing to proxy to yet");
  source.next = [A, B, C];
  await follower.pollOnce();
  source.next = [B, C]; // A's task died
  await follower.pollOnce();
  assert.equal(proxy.starts.length, 1, "a removal alone keeps the proxy");
  source.next = [B, C, { ...A, name: "etcd-4", host: "d" }]; // its replacement runs
  await follower.pollOnce();
  assert.deepEqual(proxy.starts, [
    [url(A), url(B), url(C)],
    [url(B), url(C), "http://d:1001"],
  ]);
  assert.equal(follower.restarts, 2);
});

Deno.test("ProxyFollower backs off while polls fail and keeps the running proxy", async () => {
  const { source, proxy, follower, logger } = setup();
  source.next = [A];
  await follower.pollOnce();
  source.next = new Error("master down");
  for (const expected of [2000, 4000, 8000]) {
    assert.equal((await follower.pollOnce()).kind, "failed");
    assert.equal(follower.nextDelayMs, expected);
  }
  assert.deepEqual(proxy.endpoints, [url(A)], "the proxy keeps serving");
  const warnings = logger.records.filter((r) => r.level === "warn");
  assert.equal(warnings.length, 1, "the same failure is logged once");
  assert.match(String(warnings[0]?.fields?.error), /master down/);
  source.next = [A];
  await follower.pollOnce();
  assert.equal(follower.nextDelayMs, 1000, "a good poll resets the interval");
});

Deno.test("ProxyFollower brings a dead proxy back, on the last endpoints when the source is down", async () => {
  const { source, proxy, follower } = setup();
  source.next = [A, B];
  await follower.pollOnce();
  proxy.crash();
  source.next = new Error("scheduler unreachable");
  const outcome = await follower.pollOnce();
  assert.equal(outcome.kind, "failed");
  assert.deepEqual(proxy.starts.at(-1), [url(A), url(B)]);
  proxy.crash();
  source.next = [C];
  await follower.pollOnce();
  assert.deepEqual(proxy.starts.at(-1), [url(C)]);
});

Deno.test("ProxyFollower ends on a framework that is not found at the first poll only", async () => {
  const { source, follower } = setup();
  source.next = new FrameworkNotFoundError("etcd", "http://m:5050/", []);
  await assert.rejects(() => follower.pollOnce(), FrameworkNotFoundError);
  // Later (e.g. during a master failover) it is just a failed poll.
  assert.equal((await follower.pollOnce()).kind, "failed");
});

Deno.test("ProxyFollower counts a proxy that fails to start as a failed poll and retries", async () => {
  const { source, proxy, follower, logger } = setup();
  source.next = [A];
  proxy.failNext = new Error("address in use");
  await follower.pollOnce();
  assert.equal(proxy.endpoints, undefined);
  assert.equal(follower.nextDelayMs, 2000);
  assert.ok(
    logger.records.some((r) =>
      r.level === "error" && /address in use/.test(String(r.fields?.error))
    ),
  );
  await follower.pollOnce();
  assert.deepEqual(proxy.endpoints, [url(A)]);
});

Deno.test("ProxyFollower.run() polls every interval on its clock, wakes on a crash, stops the proxy", async () => {
  const { source, proxy, follower, clock } = setup();
  source.next = [A];
  const stop = new AbortController();
  const running = follower.run(stop.signal);
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  await settle();
  assert.equal(source.calls, 1);
  clock.advance(999);
  await settle();
  assert.equal(source.calls, 1, "not before the interval");
  clock.advance(1);
  await settle();
  assert.equal(source.calls, 2);
  proxy.crash();
  await settle();
  assert.equal(source.calls, 3, "a crash wakes the loop at once");
  assert.equal(proxy.starts.length, 2, "and the proxy is started again");
  stop.abort();
  await running;
  assert.equal(proxy.stops, 1);
  assert.equal(proxy.endpoints, undefined);
});
