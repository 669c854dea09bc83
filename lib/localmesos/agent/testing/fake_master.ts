/**
 * Test helpers for the agent: a tiny fake master speaking the private protocol
 * (internal_protocol.ts) that records what agents tell it and can drive them, and a
 * polling `waitFor` for real-process tests.
 *
 * @module
 */
import { bytesToBase64 } from "../../../mesos/base64.ts";
import type { Plain } from "../../../mesos/plain.ts";
import {
  AGENT_INTERNAL,
  type ExecutorExitedRequest,
  type FrameworkMessageFromExecutor,
  MASTER_INTERNAL,
  type RegisterAgentRequest,
  type StatusUpdateRequest,
} from "../../internal_protocol.ts";
import { until } from "../../../until.ts";

/**
 * Polls `check` every 20 ms until it returns a value other than undefined/false (the
 * project's {@linkcode until}; an error thrown by `check` fails at once).
 */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  return until(check, { timeoutMs, what, intervalMs: 20, stopOn: () => true });
}

/** A recorded status update with the time it arrived. */
export interface ReceivedUpdate extends StatusUpdateRequest {
  at: number;
}

/** A fake master for agent tests. */
export class FakeMaster {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly registrations: RegisterAgentRequest[] = [];
  readonly updates: ReceivedUpdate[] = [];
  readonly exits: ExecutorExitedRequest[] = [];
  readonly messages: FrameworkMessageFromExecutor[] = [];
  pings = 0;
  /** When true, status updates are acknowledged to the agent as they arrive. */
  autoAck: boolean;
  /** Answer pings with 404 (the master forgot the agent). */
  forgetAgents = false;
  /**
   * Awaited before a registration is answered, as a master that sends orders (e.g. a
   * framework shutdown) while it re-admits an agent.
   */
  beforeRegisterAnswer: ((r: RegisterAgentRequest) => Promise<void>) | undefined;
  readonly masterId: string;
  #agentUrl: string | undefined;
  #nextAgent = 0;

  constructor(options: { masterId?: string; autoAck?: boolean } = {}) {
    this.masterId = options.masterId ?? "c5151bcb-5f7a-468c-bf39-1032dc9772f5";
    this.autoAck = options.autoAck ?? true;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  /** `http://127.0.0.1:port` */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Base URL of the last agent that registered. */
  get agentUrl(): string {
    if (!this.#agentUrl) throw new Error("No agent registered with the fake master");
    return this.#agentUrl;
  }

  /** Updates received for `taskId`, as `state` names. */
  states(taskId: string): string[] {
    return this.updates.filter((u) => u.status.task_id.value === taskId).map((u) => u.status.state);
  }

  /** Sends run_task to the agent. */
  runTask(frameworkInfo: Plain, task: Plain): Promise<Response> {
    return this.call(AGENT_INTERNAL.runTask, { framework_info: frameworkInfo, task });
  }

  /** Acknowledges a received update to the agent. */
  acknowledge(update: StatusUpdateRequest): Promise<Response> {
    return this.call(AGENT_INTERNAL.acknowledge, {
      framework_id: update.framework_id,
      task_id: update.status.task_id.value,
      uuid: update.status.uuid,
    });
  }

  /** POSTs `body` to an agent internal path; the body is consumed, the status kept. */
  async call(path: string, body: unknown): Promise<Response> {
    const res = await fetch(new URL(path, this.agentUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return new Response(text, { status: res.status });
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    await this.#server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const body = await req.json();
    switch (path) {
      case MASTER_INTERNAL.register: {
        const r = body as RegisterAgentRequest;
        this.registrations.push(r);
        this.#agentUrl = r.agent_url;
        await this.beforeRegisterAnswer?.(r);
        const agentId = r.agent_id ?? `${this.masterId}-S${this.#nextAgent++}`;
        return Response.json({ agent_id: agentId, master_id: this.masterId });
      }
      case MASTER_INTERNAL.ping:
        this.pings++;
        return this.forgetAgents
          ? new Response("unknown agent", { status: 404 })
          : Response.json({});
      case MASTER_INTERNAL.statusUpdate: {
        const u = body as StatusUpdateRequest;
        this.updates.push({ ...u, at: Date.now() });
        if (this.autoAck && u.status.uuid) {
          setTimeout(() => this.acknowledge(u).catch(() => {}), 0);
        }
        return Response.json({});
      }
      case MASTER_INTERNAL.executorExited:
        this.exits.push(body as ExecutorExitedRequest);
        return Response.json({});
      case MASTER_INTERNAL.executorMessage:
        this.messages.push(body as FrameworkMessageFromExecutor);
        return Response.json({});
    }
    return new Response("not found", { status: 404 });
  }
}

/** The framework of the executor transcripts (checkpointing, failover 60 s). */
export function transcriptFramework(id = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000"): Plain {
  return {
    user: "root",
    name: "exectranscript",
    id: { value: id },
    failover_timeout: 60,
    checkpoint: true,
  };
}

/** A TaskInfo JSON with a custom executor running `command` (shell). */
export function customTask(options: {
  taskId: string;
  executorId: string;
  agentId: string;
  frameworkId?: string;
  command: string;
  uris?: Plain[];
  env?: Record<string, string>;
  data?: string;
}): Plain {
  const executor: Plain = {
    type: "CUSTOM",
    executor_id: { value: options.executorId },
    framework_id: { value: options.frameworkId ?? "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000" },
    command: {
      uris: options.uris ?? [],
      shell: true,
      value: options.command,
      environment: {
        variables: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
      },
    },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, role: "*" },
      { name: "mem", type: "SCALAR", scalar: { value: 32 }, role: "*" },
    ],
  };
  const task: Plain = {
    name: options.taskId,
    task_id: { value: options.taskId },
    agent_id: { value: options.agentId },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, role: "*" },
      { name: "mem", type: "SCALAR", scalar: { value: 32 }, role: "*" },
    ],
    executor,
  };
  if (options.data !== undefined) task.data = bytesToBase64(new TextEncoder().encode(options.data));
  return task;
}

/** True when a process (or process group, for negative ids) with this id exists. */
export function processExists(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}
