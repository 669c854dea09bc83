/**
 * `POST /members/<name>/replace` (token): an operator replaces a member elsewhere, giving up
 * its persistent volume (remove → add as learner → promote on another agent). The name is
 * checked here (400 naming it); the core decides (202 with its plan, 409 refused).
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";

/** The core's decision on a replace. */
export interface ReplaceAnswer {
  accepted: boolean;
  message: string;
}

const PATH = /^\/members\/([^/]*)\/replace$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function text(body: string, status: number): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** The raw member name in a `/members/<name>/replace` path, or undefined for other paths. */
export function replacePathName(path: string): string | undefined {
  const m = PATH.exec(path);
  return m === null ? undefined : m[1]!;
}

/** The `/members/<name>/replace` route (matched by {@linkcode replacePathName}). */
export function replaceRoute(
  requestReplace: ((name: string) => ReplaceAnswer | Promise<ReplaceAnswer>) | undefined,
  standby: () => string | undefined,
  log: Logger,
): { methods: string[]; handle: (req: Request, body: Uint8Array) => Promise<Response> } {
  return {
    methods: ["POST"],
    handle: async (req) => {
      const raw = replacePathName(new URL(req.url).pathname) ?? "";
      let name = raw;
      try {
        name = decodeURIComponent(raw);
      } catch { /* the raw text is named below */ }
      if (!NAME.test(name)) {
        return text(
          `Cannot replace member ${JSON.stringify(name)}: expected a name like etcd-3`,
          400,
        );
      }
      const s = standby();
      if (s !== undefined) return text(`standby: ${s}; ask the leader`, 503);
      if (requestReplace === undefined) return text("the scheduler is not running yet", 503);
      log.warn("admin: member replace requested", { member: name });
      const answer = await requestReplace(name);
      log.warn(`admin: member replace ${answer.accepted ? "accepted" : "refused"}`, {
        member: name,
        reason: answer.message,
      });
      return answer.accepted
        ? text(`replacing: ${answer.message}`, 202)
        : text(`replace refused: ${answer.message}`, 409);
    },
  };
}
