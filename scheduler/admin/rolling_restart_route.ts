/**
 * `/rolling-restart`: `POST {"etcdUri"?: string, "flags"?: string[]}` (token) asks for a
 * rolling restart or upgrade; the body is checked here (400 naming each bad value, e.g. a
 * flag the framework owns) and the core decides (202 with its plan, 409 with why not).
 * `GET` shows the chosen etcd, the run in progress, the last one finished and the last
 * failure (JSON).
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import { type EtcdSpec, parseEtcdSpec } from "../../contract/etcd_spec.ts";

/** The core's decision on a rolling restart. */
export interface RollingRestartAnswer {
  accepted: boolean;
  message: string;
}

/** What the route needs from the scheduler. */
export interface RollingRestartRouteDeps {
  /** Asks the core; absent: 503 until the scheduler runs. */
  request?: (spec: EtcdSpec) => RollingRestartAnswer | Promise<RollingRestartAnswer>;
  /** The rolling restart part of the core state (plain data), for `GET`. */
  view?: () => unknown;
  /** Why this scheduler is a standby, if it is one. */
  standby: () => string | undefined;
  log: Logger;
}

function text(body: string, status: number): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

const EXAMPLE = '{"etcdUri": "http://host/etcd", "flags": ["--quota-backend-bytes=4294967296"]}';

/** The spec in a request body, or why the body is bad (naming the values). */
export function parseRollingRestartBody(body: Uint8Array): EtcdSpec | string {
  const raw = new TextDecoder().decode(body).trim();
  let doc: unknown;
  try {
    doc = raw === "" ? {} : JSON.parse(raw);
  } catch {
    return `expected a JSON body like ${EXAMPLE}`;
  }
  if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) {
    const unknown = Object.keys(doc).filter((k) => k !== "etcdUri" && k !== "flags");
    if (unknown.length > 0) {
      return `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}: ` +
        `expected a JSON body like ${EXAMPLE}`;
    }
  }
  try {
    return parseEtcdSpec(doc);
  } catch (err) {
    return (err as Error).message;
  }
}

/** The `/rolling-restart` route. */
export function rollingRestartRoute(
  deps: RollingRestartRouteDeps,
): { methods: string[]; handle: (req: Request, body: Uint8Array) => Promise<Response> } {
  return {
    methods: ["GET", "HEAD", "POST"],
    handle: async (req, body) => {
      if (req.method !== "POST") {
        return new Response(JSON.stringify(deps.view?.() ?? {}, null, 2) + "\n", {
          headers: { "content-type": "application/json" },
        });
      }
      const spec = parseRollingRestartBody(body);
      if (typeof spec === "string") return text(spec, 400);
      const s = deps.standby();
      if (s !== undefined) return text(`standby: ${s}; ask the leader`, 503);
      if (deps.request === undefined) return text("the scheduler is not running yet", 503);
      deps.log.warn("admin: rolling restart requested", {
        etcdUri: spec.uri,
        flags: spec.flags?.join(" "),
      });
      const answer = await deps.request(spec);
      deps.log.warn(`admin: rolling restart ${answer.accepted ? "accepted" : "refused"}`, {
        reason: answer.message,
      });
      return answer.accepted
        ? text(`rolling restart: ${answer.message}`, 202)
        : text(`rolling restart refused: ${answer.message}`, 409);
    },
  };
}
