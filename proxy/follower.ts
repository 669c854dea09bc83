/**
 * The proxy's loop: poll the member source, decide with {@linkcode planProxy}, and (re)start
 * the grpc-proxy when the members changed or it died. One request per poll interval; while
 * polls fail the interval doubles up to a cap, so an unreachable master or scheduler is not
 * hammered.
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import { endpointsOf, planProxy, type ProxyPlan } from "./members.ts";
import type { ProxyRunner } from "./grpc_proxy.ts";
import { FrameworkNotFoundError, type MemberSource } from "./sources.ts";

/** Options of {@linkcode ProxyFollower}. */
export interface FollowerOptions {
  source: MemberSource;
  proxy: ProxyRunner;
  /** Time between polls; default 5 s. */
  pollIntervalMs?: number;
  /** Largest interval while polls fail; default 60 s. */
  maxPollIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** What one poll did. */
export type PollOutcome =
  | { kind: "applied"; plan: ProxyPlan }
  | { kind: "failed"; error: Error; plan?: ProxyPlan };

/** Follows membership changes with a grpc-proxy. */
export class ProxyFollower {
  readonly #source: MemberSource;
  readonly #proxy: ProxyRunner;
  readonly #interval: number;
  readonly #maxInterval: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #failures = 0;
  #polls = 0;
  #lastEndpoints: string[] | undefined;
  #lastMessage = "";
  #wake: (() => void) | undefined;
  #restarts = 0;

  /** Prepares the loop; nothing happens before {@linkcode run} or {@linkcode pollOnce}. */
  constructor(options: FollowerOptions) {
    this.#source = options.source;
    this.#proxy = options.proxy;
    this.#interval = options.pollIntervalMs ?? 5000;
    this.#maxInterval = Math.max(this.#interval, options.maxPollIntervalMs ?? 60_000);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#proxy.onUnexpectedExit(() => this.#wake?.());
  }

  /** How many times the grpc-proxy was (re)started. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The delay before the next poll: the interval, doubled per consecutive failure. */
  get nextDelayMs(): number {
    return Math.min(this.#maxInterval, this.#interval * 2 ** Math.min(this.#failures, 16));
  }

  /**
   * Polls once and applies the plan.
   *
   * @throws {FrameworkNotFoundError} on the very first poll, so a wrong `--framework-name`
   * ends the program with a clear message instead of waiting forever.
   */
  async pollOnce(signal?: AbortSignal): Promise<PollOutcome> {
    const first = this.#polls++ === 0;
    let found: string[];
    try {
      found = endpointsOf(await this.#source.members(signal));
    } catch (e) {
      const error = e as Error;
      if (first && error instanceof FrameworkNotFoundError) throw error;
      this.#failures++;
      this.#note("warn", `cannot read members from ${this.#source.description}`, {
        error: error.message,
        retryInMs: this.nextDelayMs,
      });
      // The proxy died while the source is down: bring it back on the last endpoints.
      if (this.#proxy.endpoints === undefined && this.#lastEndpoints !== undefined) {
        const plan = planProxy(undefined, this.#lastEndpoints);
        await this.#apply(plan);
        return { kind: "failed", error, plan };
      }
      return { kind: "failed", error };
    }
    this.#failures = 0;
    const plan = planProxy(this.#proxy.endpoints, found);
    await this.#apply(plan);
    return { kind: "applied", plan };
  }

  /** Polls until `signal` aborts, then stops the grpc-proxy. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        await this.pollOnce(signal).catch((e) => {
          if (signal.aborted) return;
          throw e;
        });
        if (signal.aborted) break;
        await this.#sleep(this.nextDelayMs, signal);
      }
    } finally {
      await this.#proxy.stop();
    }
  }

  async #apply(plan: ProxyPlan): Promise<void> {
    if (plan.action === "wait") {
      this.#note("info", "waiting for running members", { reason: plan.reason });
      return;
    }
    if (plan.action === "keep") {
      if (plan.removed.length > 0 || plan.reason.startsWith("no running")) {
        this.#note("info", "keeping the proxy", {
          reason: plan.reason,
          removed: plan.removed.join(","),
        });
      } else {
        this.#lastMessage = "";
      }
      return;
    }
    this.#log.info(plan.action === "start" ? "starting the proxy" : "members changed; restarting", {
      endpoints: plan.endpoints.join(","),
      added: plan.added.join(","),
      removed: plan.removed.join(","),
    });
    try {
      await this.#proxy.restart(plan.endpoints);
      this.#restarts++;
      this.#lastEndpoints = [...plan.endpoints];
      this.#lastMessage = "";
    } catch (e) {
      this.#failures++;
      this.#log.error("cannot start etcd grpc-proxy", { error: (e as Error).message });
    }
  }

  /** Logs a message once until a different one (or a change) is logged. */
  #note(level: "info" | "warn", msg: string, fields: Record<string, unknown>): void {
    const key = `${msg} ${JSON.stringify({ ...fields, retryInMs: undefined })}`;
    if (key === this.#lastMessage) return;
    this.#lastMessage = key;
    this.#log[level](msg, fields);
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(id);
        signal.removeEventListener("abort", done);
        this.#wake = undefined;
        resolve();
      };
      const id = this.#clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
  }
}
