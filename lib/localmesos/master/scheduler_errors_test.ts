/**
 * Replays every captured error case of errors.txt against the local master (with a
 * subscribed framework, as in the capture) and compares status, headers and body.
 */
import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { startFakeAgent, startTestMaster, TestScheduler } from "./testing/harness.ts";

const CAPTURED_MASTER = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f";
const CAPTURED_STREAM = "8ccff7d3-3bc3-4ff0-a1c1-c5cb76705958";

interface ErrorCase {
  title: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

function parseHead(lines: string[]): [string, Record<string, string>, number] {
  const headers: Record<string, string> = {};
  let i = 1;
  for (; i < lines.length && lines[i] !== ""; i++) {
    const at = lines[i]!.indexOf(": ");
    headers[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 2);
  }
  return [lines[0]!, headers, i + 1];
}

/** The cases of errors.txt that have a captured response. */
function parseErrors(text: string): ErrorCase[] {
  const out: ErrorCase[] = [];
  for (const section of text.split(/^=== /m).slice(1)) {
    const title = section.slice(0, section.indexOf(" ==="));
    const [, request, response] = section.split(/^--- (?:request|response) ---\n/m);
    if (request === undefined || response === undefined) continue;
    const reqLines = request.split("\n");
    const [reqLine, headers, reqBodyAt] = parseHead(reqLines);
    const resLines = response.split("\n");
    const [statusLine, responseHeaders, resBodyAt] = parseHead(resLines);
    const [method, path] = reqLine.split(" ");
    out.push({
      title,
      method: method!,
      path: path!,
      headers,
      body: reqLines.slice(reqBodyAt).join("\n").trim(),
      status: Number(statusLine.split(" ")[1]),
      responseHeaders,
      responseBody: resLines.slice(resBodyAt).join("\n").trim(),
    });
  }
  return out;
}

Deno.test("every captured scheduler API error case gets the same answer", async () => {
  const { master } = await startTestMaster({ hostname: "localhost" });
  const agent = await startFakeAgent(master.url);
  const scheduler = await TestScheduler.subscribe(master.url, {
    type: "SUBSCRIBE",
    subscribe: { framework_info: { user: "root", name: "transcript", failover_timeout: 60 } },
  });
  try {
    await scheduler.expectEvent("SUBSCRIBED");
    const cases = parseErrors(await transcriptText("errors.txt"));
    assert.equal(cases.length, 18);
    const ours = (s: string) =>
      s.replaceAll(CAPTURED_MASTER, master.id).replaceAll(CAPTURED_STREAM, scheduler.streamId);
    for (const c of cases) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.headers)) {
        if (k !== "Host" && k !== "Content-Length") headers[k] = ours(v);
      }
      const res = await fetch(`${master.url}${c.path}`, {
        method: c.method,
        headers,
        body: c.method === "POST" ? new TextEncoder().encode(ours(c.body)) : undefined,
      });
      const body = await res.text();
      assert.equal(res.status, c.status, `${c.title}: ${body}`);
      const want = ours(c.responseBody);
      if (c.title === "5. invalid JSON") {
        assert.ok(body.startsWith("Failed to parse body into JSON: "), body);
      } else assert.equal(body, want, c.title);
      for (const name of ["Content-Type", "Allow"]) {
        assert.equal(res.headers.get(name), c.responseHeaders[name] ?? null, `${c.title}: ${name}`);
      }
      if (c.title !== "5. invalid JSON") {
        assert.equal(
          res.headers.get("Content-Length"),
          c.responseHeaders["Content-Length"],
          c.title,
        );
      }
    }
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});
