/**
 * A local Mesos agent: registers with the leading master over the private protocol, runs
 * executors as real processes in sandboxes, serves the v1 executor API and `/state`, and
 * offers fault hooks (partition, kill an executor, restart).
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { systemClock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import { silentLogger } from "../../log.ts";
import { bytesToBase64 } from "../../mesos/base64.ts";
import { toJsonText } from "../../mesos/json_encode.ts";
import type { Plain } from "../../mesos/plain.ts";
import type { LeaderSource } from "../../mesos/leader_source.ts";
import { MASTER_INTERNAL } from "../internal_protocol.ts";
import { textResponse } from "../http_util.ts";
import { formatDuration } from "./executor_env.ts";
import { handleExecutorApi } from "./executor_api.ts";
import { handleInternalApi, isInternalPath } from "./internal_api.ts";
import { type ResolvedMaster, resolveMaster } from "./master_source.ts";
import { MasterLink } from "./master_link.ts";
import { parseAttributes, parseResources } from "./resource_string.ts";
import { agentStateJson } from "./state_json.ts";
import { ExecutorSupervisor, type MasterNotifier } from "./supervisor.ts";
import type { Resource } from "../../mesos/types.ts";
import { stringifyResources } from "../resources/format.ts";
import { applyCheckpointedResources } from "../resources/operations.ts";
import { normalize } from "../resources/resources.ts";
import { checkpointResources, recoverCheckpointedResources } from "./checkpointed_resources.ts";

/** Tunables of a {@linkcode LocalAgent}; defaults suit tests and laptops. */
export interface LocalAgentTuning {
  /** How often the agent pings the master (ms); default 1000. */
  pingIntervalMs?: number;
  /** An executor must SUBSCRIBE within this (ms); default 60000 (Mesos' 1mins). */
  registrationTimeoutMs?: number;
  /** First status update retry (ms), doubling up to `statusRetryMaxMs`; default 1000. */
  statusRetryMs?: number;
  /** Largest status update retry delay (ms); default 10000. */
  statusRetryMaxMs?: number;
  /** SHUTDOWN grace before the process group is killed (ms); default 5000. */
  shutdownGracePeriodMs?: number;
  /**
   * Whether the agent honours framework checkpointing (default true): with it, executors of
   * checkpointing frameworks get MESOS_CHECKPOINT=1 and survive {@linkcode LocalAgent.restart}.
   */
  checkpoint?: boolean;
}

/** Options of {@linkcode createLocalAgent}. */
export interface LocalAgentOptions {
  /** `http://host:port`, `host:port`, `zk://host:port/path`, a LeaderSource or a lookup. */
  master: string | LeaderSource | (() => Promise<URL | undefined>);
  workDir: string;
  /** Mesos resource string; default `cpus:4;mem:4096;disk:20000;ports:[31000-31999]`. */
  resources?: string;
  /** Mesos attribute string, e.g. `rack:r1;zone:z2`. */
  attributes?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  ip?: string;
  /** Reported hostname; default the IP. */
  hostname?: string;
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  options?: LocalAgentTuning;
}

/** A running local agent. */
export interface LocalAgent {
  /** The agent id, once registered. */
  readonly id: string | undefined;
  /** `http://ip:port` */
  readonly url: string;
  readonly port: number;
  /** Resolves with the agent id once registered with a master. */
  whenRegistered(): Promise<string>;
  /** Kills every executor process group, leaves the master, closes the server. */
  stop(): Promise<void>;
  /**
   * Simulates an agent restart: the server goes down and comes back on the same port, the
   * agent re-registers with the same id; executors of non-checkpointing frameworks are killed,
   * the others keep running and may re-subscribe.
   */
  restart(): Promise<void>;
  /** Fault hook: stop (true) or resume (false) talking to the master. */
  partition(on: boolean): void;
  /** Fault hook: SIGKILL an executor's process group; false when no such executor runs. */
  killExecutor(executorId: string): boolean;
  /** Pids of every executor process started so far (alive or not), for leak checks. */
  executorPids(): number[];
}

const DEFAULT_RESOURCES = "cpus:4;mem:4096;disk:20000;ports:[31000-31999]";
const EXECUTOR_PATHS = new Set(["/api/v1/executor", "/slave(1)/api/v1/executor"]);
const STATE_PATHS = new Set(["/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json"]);

/** Starts an agent: listens, then registers with the master in the background. */
export async function createLocalAgent(options: LocalAgentOptions): Promise<LocalAgent> {
  const agent = new Agent(options);
  await agent.start();
  return agent;
}

class Agent implements LocalAgent {
  readonly #o: LocalAgentOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #ip: string;
  readonly #resources: Plain[];
  readonly #attributes: Plain[];
  readonly #master: ResolvedMaster;
  readonly #link: MasterLink;
  readonly #supervisor: ExecutorSupervisor;
  readonly #pendingExits: [string, string, number][] = [];
  readonly #pids = new Set<number>();
  readonly #startTime: number;
  /** Dynamic reservations and persistent volumes, as checkpointed under the work dir. */
  #checkpointed: Resource[] = [];
  /** Serializes checkpoint writes. */
  #checkpointing: Promise<void> = Promise.resolve();
  #port: number;
  #server: Deno.HttpServer | undefined;
  #stopping = false;
  /** True while restart() takes the server down: every request is refused. */
  #restarting = false;
  #registered: PromiseWithResolvers<string> = Promise.withResolvers<string>();

  constructor(o: LocalAgentOptions) {
    this.#o = o;
    this.#log = o.logger ?? silentLogger;
    this.#clock = o.clock ?? systemClock;
    this.#ip = o.ip ?? "127.0.0.1";
    this.#port = o.port ?? 0;
    this.#resources = parseResources(o.resources ?? DEFAULT_RESOURCES);
    this.#attributes = o.attributes ? parseAttributes(o.attributes) : [];
    this.#startTime = this.#clock.now() / 1000;
    const t = o.options ?? {};
    this.#master = resolveMaster(o.master, {
      logger: this.#log.child({ component: "master_detector" }),
      clock: this.#clock,
    });
    this.#link = new MasterLink({
      leader: this.#master.source,
      registration: () => ({
        ...this.#supervisor.registrationSnapshot(),
        agent_info: json("mesos.v1.AgentInfo", this.#agentInfo(false)),
        agent_url: this.url,
        checkpointed_resources: this.#checkpointed.map((r) => json("mesos.v1.Resource", r)),
      }),
      onRegistered: (answer) => this.#onRegistered(answer.agent_id),
      pingIntervalMs: t.pingIntervalMs ?? 1_000,
      clock: this.#clock,
      logger: this.#log.child({ component: "master_link" }),
      fetch: o.fetch,
    });
    this.#supervisor = new ExecutorSupervisor({
      workDir: o.workDir,
      ip: this.#ip,
      port: () => this.#port,
      agentId: () => this.#link.agentId ?? "",
      agentInfo: () => this.#agentInfo(true),
      notifier: this.#notifier(),
      clock: this.#clock,
      logger: this.#log,
      registrationTimeoutMs: t.registrationTimeoutMs ?? 60_000,
      shutdownGracePeriodMs: t.shutdownGracePeriodMs ?? 5_000,
      statusRetryMs: t.statusRetryMs ?? 1_000,
      statusRetryMaxMs: t.statusRetryMaxMs ?? 10_000,
      checkpoint: t.checkpoint ?? true,
      agentPath: Deno.env.get("PATH"),
      onSpawn: (pid) => this.#pids.add(pid),
      checkpointedResources: () => this.#checkpointed,
    });
  }

  get id(): string | undefined {
    return this.#link.agentId;
  }

  get url(): string {
    return `http://${this.#ip}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  whenRegistered(): Promise<string> {
    return this.#registered.promise;
  }

  async start(): Promise<void> {
    await Deno.mkdir(this.#o.workDir, { recursive: true });
    await this.#recoverResources();
    this.#listen();
    this.#link.start();
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.#link.stop();
    await this.#supervisor.stop();
    await this.#server?.shutdown();
    this.#server = undefined;
    await this.#master.close();
  }

  async restart(): Promise<void> {
    if (this.#stopping) throw new Error(`Cannot restart agent ${this.id}: it was stopped`);
    this.#log.info("restarting agent", { agent_id: this.id });
    this.#restarting = true;
    await this.#link.stop();
    this.#supervisor.updates.pause();
    this.#supervisor.disconnectAll();
    const checkpointing = this.#o.options?.checkpoint ?? true;
    await this.#supervisor.killAll((fw) => !checkpointing || fw.info.checkpoint !== true);
    await this.#server?.shutdown();
    await this.#checkpointing;
    // Like a restarted agent process: what it knows of its resources comes from disk.
    await this.#recoverResources();
    this.#restarting = false;
    this.#listen();
    this.#link.start();
  }

  partition(on: boolean): void {
    this.#log.info(on ? "partitioned from the master" : "partition healed", { agent_id: this.id });
    this.#link.partition(on);
  }

  killExecutor(executorId: string): boolean {
    return this.#supervisor.killExecutor(executorId);
  }

  executorPids(): number[] {
    return [...this.#pids];
  }

  #listen(): void {
    this.#server = Deno.serve(
      { hostname: this.#ip, port: this.#port, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.#port = (this.#server.addr as Deno.NetAddr).port;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (this.#stopping || this.#restarting) {
      await req.body?.cancel();
      return textResponse(503, this.#stopping ? "Agent is shutting down" : "Agent is restarting");
    }
    if (EXECUTOR_PATHS.has(path)) return handleExecutorApi(req, this.#supervisor, this.#log);
    if (isInternalPath(path)) {
      return handleInternalApi(req, {
        supervisor: this.#supervisor,
        // A master's call is taken while (re-)registering too: a master answers a
        // re-registration with orders (e.g. shut down a framework it removed), which can
        // arrive before its answer, as Mesos' own messages follow the re-registration.
        reachable: () => !this.#link.partitioned,
        checkpointResources: (resources) => this.#checkpointResources(resources as Resource[]),
      });
    }
    await req.body?.cancel();
    if (STATE_PATHS.has(path) && req.method === "GET") {
      return new Response(this.#stateJson(), { headers: { "Content-Type": "application/json" } });
    }
    if (path === "/health" || path === "/slave(1)/health") {
      return new Response(null, { status: 200 });
    }
    return textResponse(404, `No endpoint ${path}`);
  }

  /** Reads the checkpointed resources (Mesos' agent recovery); refuses incompatible ones. */
  async #recoverResources(): Promise<void> {
    const checkpointed = await recoverCheckpointedResources(this.#o.workDir);
    // Throws "Incompatible agent resources: …" as a real agent refuses to start.
    applyCheckpointedResources(this.#resources as Resource[], checkpointed);
    this.#checkpointed = checkpointed;
    if (checkpointed.length > 0) {
      this.#log.info("recovered checkpointed resources", {
        resources: stringifyResources(checkpointed),
      });
    }
  }

  /** Applies the master's view of the checkpointed resources (CheckpointResourcesMessage). */
  #checkpointResources(resources: Resource[]): Promise<void> {
    const next = this.#checkpointing.then(async () => {
      const wanted = normalize(resources);
      await checkpointResources(this.#o.workDir, this.#checkpointed, wanted);
      this.#checkpointed = wanted;
      this.#log.info("checkpointed resources", { resources: stringifyResources(wanted) });
    });
    this.#checkpointing = next.catch(() => {});
    return next;
  }

  #agentInfo(withId: boolean): Plain {
    const info: Plain = {
      hostname: this.#o.hostname ?? this.#ip,
      port: this.#port,
      resources: this.#resources,
    };
    if (this.#attributes.length > 0) info.attributes = this.#attributes;
    if (withId && this.#link.agentId !== undefined) info.id = { value: this.#link.agentId };
    return info;
  }

  #onRegistered(agentId: string): void {
    this.#registered.resolve(agentId);
    this.#supervisor.updates.resume();
    const exits = this.#pendingExits.splice(0);
    for (const [fw, ex, status] of exits) {
      this.#notifier().executorExited(fw, ex, status).catch(() => {});
    }
  }

  #notifier(): MasterNotifier {
    const agentId = () => this.#link.agentId ?? "";
    return {
      statusUpdate: (fw, status) =>
        this.#link.post(MASTER_INTERNAL.statusUpdate, {
          agent_id: agentId(),
          framework_id: fw,
          status: json("mesos.v1.TaskStatus", status),
        }),
      executorExited: (fw, ex, status) =>
        this.#link.post(MASTER_INTERNAL.executorExited, {
          agent_id: agentId(),
          framework_id: fw,
          executor_id: ex,
          status,
        }).catch((e) => {
          this.#pendingExits.push([fw, ex, status]); // sent again after (re-)registration
          throw e;
        }),
      executorMessage: (fw, ex, data) =>
        this.#link.post(MASTER_INTERNAL.executorMessage, {
          agent_id: agentId(),
          framework_id: fw,
          executor_id: ex,
          data: bytesToBase64(data),
        }),
    };
  }

  /** The agent's total: its configured resources with the checkpointed ones applied. */
  #totalResources(): Resource[] {
    try {
      return applyCheckpointedResources(this.#resources as Resource[], this.#checkpointed);
    } catch {
      return normalize(this.#resources as Resource[]);
    }
  }

  #stateJson(): string {
    const t = this.#o.options ?? {};
    return agentStateJson({
      id: this.#link.agentId,
      ip: this.#ip,
      port: this.#port,
      hostname: this.#o.hostname ?? this.#ip,
      startTime: this.#startTime,
      resources: this.#totalResources(),
      attributes: this.#attributes,
      frameworks: this.#supervisor.frameworks(),
      flags: {
        executor_registration_timeout: formatDuration(t.registrationTimeoutMs ?? 60_000),
        executor_shutdown_grace_period: formatDuration(t.shutdownGracePeriodMs ?? 5_000),
        hostname: this.#o.hostname ?? this.#ip,
        ip: this.#ip,
        master: typeof this.#o.master === "string" ? this.#o.master : "(detector)",
        port: String(this.#port),
        resources: this.#o.resources ?? DEFAULT_RESOURCES,
        work_dir: this.#o.workDir,
      },
    });
  }
}

function json(typeName: string, value: Plain): Plain {
  return JSON.parse(toJsonText(typeName, value));
}
