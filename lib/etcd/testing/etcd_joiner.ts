/**
 * Test harness: a real etcd 3.4 that joins an existing cluster (`--initial-cluster-state
 * existing`), e.g. as the learner a test just added.
 *
 * @module
 */
import { etcdArgv } from "../argv.ts";
import { freePort } from "../../free_ports.ts";

/** A joined etcd started by {@linkcode startJoiner}. */
export interface EtcdJoiner {
  clientUrl: string;
  /** The etcd process, e.g. to SIGSTOP it. */
  pid: number;
  /** Kills it and removes its data. Idempotent. */
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && JSON.parse(await res.text()).health === "true";
  } catch {
    return false;
  }
}

/**
 * Starts `name` with peer port `peerPort`, joining `initialCluster` (`a=http://…,name=…`),
 * and resolves once its `/health` is good.
 *
 * @throws {Error} naming the member when it is not healthy within 30 s.
 */
export async function startJoiner(
  name: string,
  peerPort: number,
  initialCluster: string,
): Promise<EtcdJoiner> {
  const dir = await Deno.makeTempDir({ prefix: "etcd-learner-" });
  const clientPort = freePort();
  const args = etcdArgv({
    name,
    host: "127.0.0.1",
    peerPort,
    clientPort,
    initialCluster,
    clusterState: "existing",
    clusterToken: "unused-when-joining",
  }, { dataDir: `${dir}/data`, extraArgs: ["--log-level=warn"] });
  const child = new Deno.Command("/usr/bin/etcd", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    })();
  const deadline = Date.now() + 30_000;
  while (!(await healthy(clientUrl))) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`learner ${name} not healthy at ${clientUrl}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { clientUrl, pid: child.pid, stop };
}
