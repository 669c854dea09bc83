/**
 * `createLocalMaster()`: an in-process Mesos master speaking the real v1 scheduler and
 * operator APIs, the state endpoints and the private agent protocol over HTTP on
 * 127.0.0.1. Alone it is always the leader; with `zk` it contends like a real master and a
 * non-leader answers `307` to the leader (or `503 "No leader elected"`). A newly elected
 * leader starts empty and learns agents, tasks and frameworks from re-registrations.
 *
 * @module
 */
import { type Clock, systemClock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import { jsonResponse, temporaryRedirect, textResponse } from "../http_util.ts";
import { handleAgentRequest, isAgentApiPath } from "./agent_api.ts";
import { AgentClient } from "./agent_client.ts";
import { authenticatedPrincipal, unauthorized } from "./auth.ts";
import { MasterContext, type MasterOptions } from "./context.ts";
import { type ElectionState, MasterElection } from "./election.ts";
import { disconnect } from "./framework_ops.ts";
import { IdMinter } from "./ids.ts";
import { makeMasterInfo } from "./master_info.ts";
import { allocate, rescindAllOffers } from "./offer_ops.ts";
import { handleOperatorRequest } from "./operator_api.ts";
import { handleSchedulerRequest } from "./scheduler_api.ts";
import { renderSlaves, renderState, renderTasks } from "./state_json.ts";

export type { MasterOptions } from "./context.ts";

/** Options of {@linkcode createLocalMaster}. */
export interface LocalMasterInit {
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** IPv4 address to bind and advertise; default `127.0.0.1`. */
  ip?: string;
  /** Hostname advertised in MasterInfo and used in redirects; default the ip. */
  hostname?: string;
  /** `zk://host:port[,...]/path`: contend for leadership in ZooKeeper. */
  zk?: string;
  logger: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Fetch used to call agents; default the global fetch. */
  fetch?: typeof fetch;
  options?: MasterOptions;
}

/** A running local master. */
export interface LocalMaster {
  /** `http://<ip>:<port>` */
  readonly url: string;
  readonly port: number;
  /** The master id (a UUID). */
  readonly id: string;
  /** True while this master leads. */
  isLeader(): boolean;
  /** Resolves once this master leads (rejects after `timeoutMs`, default 30000). */
  waitForLeadership(timeoutMs?: number): Promise<void>;
  /** Stops serving and leaves ZooKeeper, like a killed master. Idempotent. */
  stop(): Promise<void>;
  /** Fault: ends the framework's subscription stream as if the connection broke. */
  cutSchedulerStream(frameworkId: string): boolean;
  /** Fault: rescinds every outstanding offer; returns how many. */
  rescindOffers(): number;
  /** Fault: the next `n` status updates from agents are lost (not forwarded, not acked). */
  dropNextStatusUpdates(n: number): void;
  /** Fault: every forwarded status update reaches the scheduler twice. */
  duplicateStatusUpdates(on: boolean): void;
  /** Fault: forwarded status updates are delayed by `ms`. */
  delayStatusUpdatesMs(ms: number): void;
}

const SCHEDULER_PATHS = new Set(["/api/v1/scheduler", "/master/api/v1/scheduler"]);
const STATE_PATHS = new Set(["/master/state", "/state", "/master/state.json", "/state.json"]);
const TASKS_PATHS = new Set(["/master/tasks", "/tasks", "/master/tasks.json", "/tasks.json"]);
const SLAVES_PATHS = new Set(["/master/slaves", "/slaves", "/master/slaves.json", "/slaves.json"]);

/** Starts a local master and, with `zk`, registers it for leader election. */
export async function createLocalMaster(init: LocalMasterInit): Promise<LocalMaster> {
  const ip = init.ip ?? "127.0.0.1";
  const hostname = init.hostname ?? ip;
  const clock = init.clock ?? systemClock;
  const id = crypto.randomUUID();
  const logger = init.logger.child({ master: id });
  const agents = new AgentClient({ logger, fetch: init.fetch });
  const ids = new IdMinter(id);
  let ctx: MasterContext | undefined;
  let election: MasterElection | undefined;
  let electionState: ElectionState = { isLeader: false, leader: undefined };
  let sawOtherLeader = false;
  let stopped = false;
  const leaderWaiters = new Set<() => void>();

  const server = Deno.serve(
    { hostname: ip, port: init.port ?? 0, onListen() {} },
    (req) =>
      route(req).catch((e) => {
        logger.error("request failed", { url: req.url, error: (e as Error).message });
        return textResponse(500, (e as Error).message);
      }),
  );
  const port = server.addr.port;
  const masterInfo = makeMasterInfo(id, ip, port, hostname);

  function becomeLeader() {
    if (ctx !== undefined || stopped) return;
    const c = new MasterContext({ masterInfo, clock, logger, agents, options: init.options, ids });
    c.setAllocator(() => allocate(c));
    c.electedTime = c.now();
    if (sawOtherLeader) c.recoveringUntil = clock.now() + c.options.agentReregisterTimeoutMs;
    ctx = c;
    logger.info("elected leader", { recovering: sawOtherLeader });
    for (const wake of leaderWaiters) wake();
  }

  function resign() {
    const c = ctx;
    ctx = undefined;
    if (c === undefined) return;
    c.alive = false;
    c.cancelAllTimers();
    for (const fw of c.state.frameworks.values()) fw.stream?.close();
    for (const s of c.operatorStreams) s.close();
    c.operatorStreams.clear();
  }

  function onElection(state: ElectionState) {
    electionState = state;
    if (state.leader !== undefined && state.leader.id !== id) sawOtherLeader = true;
    if (state.isLeader) becomeLeader();
    else {
      if (ctx !== undefined) logger.warn("lost leadership");
      resign();
    }
  }

  function redirect(url: URL): Response {
    const leader = electionState.leader;
    if (leader === undefined) return textResponse(503, "No leader elected");
    const host = leader.hostname ?? leader.address?.hostname ?? leader.address?.ip;
    let path = url.pathname;
    if (SCHEDULER_PATHS.has(path)) path = "/master/api/v1/scheduler";
    else if (path === "/state") path = "/master/state";
    else if (path === "/master/redirect") path = "";
    return temporaryRedirect(`//${host}:${leader.port}${path}${path === "" ? "" : url.search}`);
  }

  async function route(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname;
    let principal: string | undefined;
    const auth = init.options?.authentication;
    if (SCHEDULER_PATHS.has(path) && auth !== undefined) {
      principal = authenticatedPrincipal(req, auth.credentials);
      if (principal === undefined) {
        await req.body?.cancel();
        return unauthorized();
      }
    }
    const c = ctx;
    if (c === undefined) {
      await req.body?.cancel();
      return redirect(url);
    }
    if (SCHEDULER_PATHS.has(path)) return handleSchedulerRequest(c, req, { principal });
    if (isAgentApiPath(path)) return handleAgentRequest(c, req, path);
    await drain(req, path);
    if (STATE_PATHS.has(path)) return jsonResponse(renderState(c));
    if (TASKS_PATHS.has(path)) return jsonResponse(renderTasks(c, tasksQuery(url)));
    if (SLAVES_PATHS.has(path)) return jsonResponse(renderSlaves(c));
    if (path === "/api/v1") return handleOperatorRequest(c, req);
    if (path === "/master/redirect") return temporaryRedirect(`//${hostname}:${port}`);
    if (path === "/health" || path === "/master/health") return new Response(null, { status: 200 });
    return textResponse(404, `No endpoint ${path}`);
  }

  if (init.zk !== undefined) {
    try {
      election = await MasterElection.start({
        zk: init.zk,
        masterInfo,
        logger,
        onChange: onElection,
      });
    } catch (e) {
      await server.shutdown();
      throw e;
    }
  } else {
    electionState = { isLeader: true, leader: masterInfo };
    becomeLeader();
  }

  return {
    url: `http://${ip}:${port}`,
    port,
    id,
    isLeader: () => ctx !== undefined,
    waitForLeadership(timeoutMs = 30_000) {
      if (ctx !== undefined) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          leaderWaiters.delete(wake);
          reject(new Error(`Master ${id} not elected within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          leaderWaiters.delete(wake);
          resolve();
        };
        leaderWaiters.add(wake);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      resign();
      await election?.stop();
      await agents.drain();
      await server.shutdown();
    },
    cutSchedulerStream(frameworkId) {
      const fw = ctx?.state.frameworks.get(frameworkId);
      if (ctx === undefined || fw === undefined || !fw.connected) return false;
      logger.info("fault injection: cutting scheduler stream", { framework_id: frameworkId });
      disconnect(ctx, fw);
      return true;
    },
    rescindOffers: () => (ctx === undefined ? 0 : rescindAllOffers(ctx)),
    dropNextStatusUpdates(n) {
      if (ctx !== undefined) ctx.faults.dropStatusUpdates = n;
    },
    duplicateStatusUpdates(on) {
      if (ctx !== undefined) ctx.faults.duplicateStatusUpdates = on;
    },
    delayStatusUpdatesMs(ms) {
      if (ctx !== undefined) ctx.faults.delayStatusUpdatesMs = ms;
    },
  };
}

async function drain(req: Request, path: string) {
  if (path !== "/api/v1") await req.body?.cancel();
}

function tasksQuery(url: URL): { frameworkId?: string; limit?: number; offset?: number } {
  const num = (name: string) => {
    const v = url.searchParams.get(name);
    return v === null || !/^\d+$/.test(v) ? undefined : Number(v);
  };
  return {
    frameworkId: url.searchParams.get("framework_id") ?? undefined,
    limit: num("limit"),
    offset: num("offset"),
  };
}
