import assert from "node:assert/strict";
import { customTask, transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { withLocalAgent } from "./testing/with_agent.ts";

/** Serves `body` at any path over HTTP, counting requests. */
function countingServer(body: string) {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response(body);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, requests: () => requests, server };
}

Deno.test("a second executor on the same agent gets its cached URIs without an HTTP request", async () => {
  const artifacts = countingServer("artifact bytes");
  try {
    await withLocalAgent(
      { prefix: "fetcher_cache_agent_test_" },
      async (agent, master, workDir) => {
        const uris = [
          { value: `${artifacts.url}/v/1/art.bin`, cache: true, extract: false },
          { value: `${artifacts.url}/v/1/etcd`, cache: true, executable: true },
        ];
        const sandboxes: string[] = [];
        for (const id of ["e1", "e2"]) {
          const task = customTask({
            taskId: `t-${id}`,
            executorId: id,
            agentId: agent.id!,
            command: "exec sleep 30",
            uris,
          });
          await master.runTask(transcriptFramework(), task);
          sandboxes.push(
            await waitFor(`the sandbox of ${id} with its files`, async () => {
              const state = await (await fetch(`${agent.url}/state`)).json();
              const dir: string | undefined = state.frameworks?.[0]?.executors
                ?.find((e: { id: string }) => e.id === id)?.directory;
              if (dir === undefined) return undefined;
              return await Deno.stat(`${dir}/etcd`).then(() => dir, () => undefined);
            }),
          );
        }
        assert.equal(artifacts.requests(), 2, "one download per URI, none for the second executor");
        for (const dir of sandboxes) {
          assert.equal(await Deno.readTextFile(`${dir}/art.bin`), "artifact bytes");
          assert.equal((await Deno.stat(`${dir}/etcd`)).mode! & 0o111, 0o111);
        }
        const cached = [...Deno.readDirSync(`${workDir}/fetch_cache`)].map((e) => e.name);
        assert.equal(cached.length, 2, "the cache lives in the agent's work dir");
      },
    );
  } finally {
    await artifacts.server.shutdown();
  }
});
