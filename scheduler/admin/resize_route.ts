/**
 * `POST /cluster-size {"size": N}` (token): the operator's runtime resize. The body is
 * checked here (400 naming the bad value); the core decides (202 with its plan, 409 refused).
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import { clusterSizeProblem } from "../core/resize.ts";

/** The core's decision on a resize. */
export interface ResizeAnswer {
  accepted: boolean;
  message: string;
}

function text(body: string, status: number): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** The size in a request body, or why the body is bad (naming the value). */
export function parseResizeBody(body: Uint8Array): number | string {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return 'expected a JSON body like {"size": 5}';
  }
  if (typeof doc !== "object" || doc === null || !("size" in doc)) {
    return 'expected a JSON body like {"size": 5}';
  }
  const size = (doc as { size: unknown }).size;
  return clusterSizeProblem(size) ?? (size as number);
}

/** The `/cluster-size` route. */
export function resizeRoute(
  requestResize: ((size: number) => ResizeAnswer | Promise<ResizeAnswer>) | undefined,
  standby: () => string | undefined,
  log: Logger,
): { methods: string[]; handle: (req: Request, body: Uint8Array) => Promise<Response> } {
  return {
    methods: ["POST"],
    handle: async (_req, body) => {
      const size = parseResizeBody(body);
      if (typeof size === "string") return text(size, 400);
      const s = standby();
      if (s !== undefined) return text(`standby: ${s}; ask the leader`, 503);
      if (requestResize === undefined) return text("the scheduler is not running yet", 503);
      log.warn("admin: resize requested", { size });
      const answer = await requestResize(size);
      log.warn(`admin: resize ${answer.accepted ? "accepted" : "refused"}`, {
        reason: answer.message,
      });
      return answer.accepted
        ? text(`resizing: ${answer.message}`, 202)
        : text(`resize refused: ${answer.message}`, 409);
    },
  };
}
