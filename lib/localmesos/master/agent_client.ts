/**
 * The master's side of the private master -> agent protocol (internal_protocol.ts):
 * fire-and-forget JSON POSTs to an agent's `/_local/master/*` endpoints. Failures are
 * logged, never thrown (the agent re-registers or retries on its own); in-flight calls can
 * be awaited on shutdown.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import {
  type AcknowledgeRequest,
  AGENT_INTERNAL,
  type CheckpointResourcesRequest,
  type FrameworkMessageRequest,
  type KillTaskRequest,
  type RunTaskRequest,
  type ShutdownExecutorRequest,
  type ShutdownFrameworkRequest,
} from "../internal_protocol.ts";

/** Calls agents; every method resolves to true when the agent answered 2xx. */
export class AgentClient {
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Set<Promise<boolean>>();
  readonly #timeoutMs: number;
  /** Per agent: the last ordered call (checkpoint_resources, run_task) still in flight. */
  readonly #ordered = new Map<string, Promise<boolean>>();

  constructor(options: { logger: Logger; fetch?: typeof fetch; timeoutMs?: number }) {
    this.#logger = options.logger;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Asks the agent at `agentUrl` to run a task. Sent after any checkpoint still in flight
   * to that agent, so that a task reaches the agent after the volume it uses (Mesos'
   * messages to one agent arrive in order).
   */
  runTask(agentUrl: string, req: RunTaskRequest): Promise<boolean> {
    return this.#postOrdered(agentUrl, AGENT_INTERNAL.runTask, req);
  }

  /** Sends the agent its checkpointed resources (in order with other checkpoints and tasks). */
  checkpointResources(agentUrl: string, req: CheckpointResourcesRequest): Promise<boolean> {
    return this.#postOrdered(agentUrl, AGENT_INTERNAL.checkpointResources, req);
  }

  /** Asks the agent to kill a task. */
  killTask(agentUrl: string, req: KillTaskRequest): Promise<boolean> {
    return this.#post(agentUrl, AGENT_INTERNAL.killTask, req);
  }

  /** Asks the agent to shut an executor down. */
  shutdownExecutor(agentUrl: string, req: ShutdownExecutorRequest): Promise<boolean> {
    return this.#post(agentUrl, AGENT_INTERNAL.shutdownExecutor, req);
  }

  /** Relays a scheduler MESSAGE to an executor. */
  frameworkMessage(agentUrl: string, req: FrameworkMessageRequest): Promise<boolean> {
    return this.#post(agentUrl, AGENT_INTERNAL.frameworkMessage, req);
  }

  /** Asks the agent to kill all of a framework's tasks and executors. */
  shutdownFramework(agentUrl: string, req: ShutdownFrameworkRequest): Promise<boolean> {
    return this.#post(agentUrl, AGENT_INTERNAL.shutdownFramework, req);
  }

  /** Relays a scheduler ACKNOWLEDGE. */
  acknowledge(agentUrl: string, req: AcknowledgeRequest): Promise<boolean> {
    return this.#post(agentUrl, AGENT_INTERNAL.acknowledge, req);
  }

  /** Waits for every call still in flight. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #postOrdered(agentUrl: string, path: string, body: unknown): Promise<boolean> {
    const previous = this.#ordered.get(agentUrl) ?? Promise.resolve(true);
    const call = previous.then(() => this.#post(agentUrl, path, body));
    this.#ordered.set(agentUrl, call);
    this.#inFlight.add(call);
    call.finally(() => {
      this.#inFlight.delete(call);
      if (this.#ordered.get(agentUrl) === call) this.#ordered.delete(agentUrl);
    });
    return call;
  }

  #post(agentUrl: string, path: string, body: unknown): Promise<boolean> {
    const url = new URL(path, agentUrl).href;
    const call = (async () => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.#timeoutMs);
      try {
        const res = await this.#fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
        const text = await res.text();
        if (!res.ok) {
          this.#logger.warn("agent refused call", { url, status: res.status, body: text });
        }
        return res.ok;
      } catch (e) {
        this.#logger.warn("agent call failed", { url, error: (e as Error).message });
        return false;
      } finally {
        clearTimeout(timer);
      }
    })();
    this.#inFlight.add(call);
    call.finally(() => this.#inFlight.delete(call));
    return call;
  }
}
