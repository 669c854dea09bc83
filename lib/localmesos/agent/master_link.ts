/**
 * The agent's connection to the leading master over the private protocol
 * (internal_protocol.ts): register, ping every interval, re-register with the same agent
 * id when the leader changes, when a ping answers 404, after repeated ping failures and
 * after a partition heals; and a `post` for the agent's own notices (status updates,
 * executor exits and messages).
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import type { LeaderSource } from "../../mesos/leader_source.ts";
import {
  MASTER_INTERNAL,
  type RegisterAgentRequest,
  type RegisterAgentResponse,
} from "../internal_protocol.ts";

/** A master call that did not get a 2xx answer (or no answer at all). */
export class MasterCallError extends Error {
  constructor(readonly path: string, readonly status: number | undefined, detail: string) {
    super(`Master call ${path} failed${status !== undefined ? ` (${status})` : ""}: ${detail}`);
    this.name = "MasterCallError";
  }
}

/** Options of {@linkcode MasterLink}. */
export interface MasterLinkOptions {
  leader: LeaderSource;
  /** The registration request, minus `agent_id` (filled in by the link). */
  registration: () => Omit<RegisterAgentRequest, "agent_id">;
  /** Called after every successful (re-)registration. */
  onRegistered: (response: RegisterAgentResponse, reregistered: boolean) => void;
  pingIntervalMs: number;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Consecutive failed pings before the leader is looked up again (default 3). */
  maxPingFailures?: number;
}

/** Keeps the agent registered with whichever master leads. */
export class MasterLink {
  readonly #o: MasterLinkOptions;
  readonly #fetch: typeof fetch;
  #agentId: string | undefined;
  #master: URL | undefined;
  /** The leader the source named when we registered (the master may have redirected). */
  #registeredVia: URL | undefined;
  /** The leader the latest registration attempt went to. */
  #target: URL | undefined;
  #registered = false;
  #partitioned = false;
  #stopped = true;
  #failures = 0;
  /** Bumped by every reason to re-register; a registration begun in an older epoch is redone. */
  #epoch = 0;
  #kicked = false;
  #wake: (() => void) | undefined;
  #timer: number | undefined;
  #loop: Promise<void> | undefined;
  #abort = new AbortController();
  #unwatch: (() => void) | undefined;

  constructor(options: MasterLinkOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The agent id once the first registration succeeded. */
  get agentId(): string | undefined {
    return this.#agentId;
  }

  /** True while registered with a master (and not partitioned). */
  get registered(): boolean {
    return this.#registered && !this.#partitioned;
  }

  /** Starts registering and pinging. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#abort = new AbortController();
    this.#unwatch = this.#o.leader.onChange?.((leader) => {
      // No leader: keep the current one until pings fail. Same leader: nothing to do.
      if (leader === undefined) return;
      if (leader.origin === this.#target?.origin) return;
      this.#reregister(`leader is now ${leader.origin}`);
    });
    this.#loop = this.#run();
  }

  /** Stops the loop and aborts calls in flight. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unwatch?.();
    this.#abort.abort();
    this.#wakeUp();
    await this.#loop;
    this.#registered = false;
  }

  /** Fault injection: while on, nothing is sent to the master; on heal, re-register. */
  partition(on: boolean): void {
    if (on === this.#partitioned) return;
    this.#partitioned = on;
    if (on) {
      this.#abort.abort();
      this.#abort = new AbortController();
    } else {
      this.#reregister("partition healed");
    }
  }

  /** True while partitioned. */
  get partitioned(): boolean {
    return this.#partitioned;
  }

  /**
   * POSTs `body` as JSON to the current master.
   *
   * @throws {MasterCallError} when not registered, partitioned, or the master refuses.
   */
  async post(path: string, body: unknown): Promise<void> {
    const master = this.#master;
    if (!this.registered || master === undefined) {
      throw new MasterCallError(path, undefined, "not registered with a master");
    }
    const res = await this.#call(new URL(path, master), body);
    const text = await res.text();
    if (!res.ok) throw new MasterCallError(path, res.status, text);
  }

  #reregister(why: string): void {
    this.#o.logger.info("re-registering with the master", { reason: why });
    this.#registered = false;
    this.#epoch++;
    this.#wakeUp();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (!this.#partitioned) {
        try {
          if (this.#registered) await this.#ping();
          else await this.#register();
        } catch (e) {
          if (!this.#stopped) this.#o.logger.debug("master call failed", { error: e });
        }
      }
      if (!this.#stopped) await this.#sleep(this.#o.pingIntervalMs);
    }
  }

  async #register(): Promise<void> {
    const leader = await this.#o.leader.current();
    const epoch = this.#epoch; // changes from here on make this attempt stale
    this.#target = leader;
    if (leader === undefined) throw new Error("no leading master known");
    const body: RegisterAgentRequest = { ...this.#o.registration() };
    if (this.#agentId !== undefined) body.agent_id = this.#agentId;
    let url = new URL(MASTER_INTERNAL.register, leader);
    let res = await this.#call(url, body);
    if (res.status === 307 && res.headers.get("Location")) {
      await res.body?.cancel();
      url = new URL(res.headers.get("Location")!, url);
      res = await this.#call(url, body);
    }
    const text = await res.text();
    if (!res.ok) throw new MasterCallError(url.pathname, res.status, text);
    const answer = JSON.parse(text) as RegisterAgentResponse;
    if (this.#partitioned || this.#stopped) return;
    const reregistered = this.#agentId !== undefined;
    this.#agentId = answer.agent_id;
    if (epoch !== this.#epoch) {
      this.#kicked = true; // something changed meanwhile: register again at once
      return;
    }
    this.#master = new URL(url.origin + "/");
    this.#registeredVia = leader;
    this.#registered = true;
    this.#failures = 0;
    this.#o.logger.info(reregistered ? "re-registered" : "registered", {
      agent_id: answer.agent_id,
      master_id: answer.master_id,
      master: this.#master.href,
    });
    this.#o.onRegistered(answer, reregistered);
  }

  async #ping(): Promise<void> {
    if (!this.#o.leader.onChange) {
      // A source that cannot notify is asked again every interval.
      const leader = await this.#o.leader.current();
      if (leader !== undefined && leader.origin !== this.#registeredVia?.origin) {
        return this.#reregister(`leader is now ${leader.origin}`);
      }
    }
    const res = await this.#call(new URL(MASTER_INTERNAL.ping, this.#master), {
      agent_id: this.#agentId,
    });
    const text = await res.text();
    if (res.ok) {
      this.#failures = 0;
      return;
    }
    if (res.status === 404) return this.#reregister("master does not know this agent");
    if (++this.#failures >= (this.#o.maxPingFailures ?? 3)) {
      this.#reregister(`ping failed ${this.#failures} times`);
    }
    throw new MasterCallError(MASTER_INTERNAL.ping, res.status, text);
  }

  async #call(url: URL, body: unknown): Promise<Response> {
    try {
      return await this.#fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        redirect: "manual",
        signal: this.#abort.signal,
      });
    } catch (e) {
      if (
        this.#registered && !this.#partitioned && ++this.#failures >= (this.#o.maxPingFailures ?? 3)
      ) {
        this.#reregister(`master unreachable: ${(e as Error).message}`);
      }
      throw new MasterCallError(url.pathname, undefined, (e as Error).message);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        resolve();
      };
      this.#timer = this.#o.clock.setTimeout(() => this.#wake?.(), ms);
    });
  }

  #wakeUp(): void {
    if (this.#wake) this.#wake();
    else this.#kicked = true;
  }
}
