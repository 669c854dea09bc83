import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import {
  EtcdNotFoundError,
  grpcProxyArgs,
  GrpcProxyExitedError,
  GrpcProxyProcess,
  parseEtcdVersion,
  resolveEtcd,
} from "./grpc_proxy.ts";
import { freePort } from "../lib/free_ports.ts";

async function put(endpoint: string, key: string, value: string): Promise<void> {
  const client = new Etcd3({ hosts: [endpoint], dialTimeout: 3000 });
  try {
    await client.put(key).value(value);
  } finally {
    client.close();
  }
}

async function get(endpoint: string, key: string): Promise<string | null> {
  const client = new Etcd3({ hosts: [endpoint], dialTimeout: 3000 });
  try {
    return await client.get(key).string();
  } finally {
    client.close();
  }
}

Deno.test("grpcProxyArgs() runs `etcd grpc-proxy start` with endpoints, listen address and data dir", () => {
  assert.deepEqual(
    grpcProxyArgs({
      endpoints: ["http://a:1", "http://b:2"],
      listenAddr: "localhost:2379",
      dataDir: "d",
    }),
    [
      "grpc-proxy",
      "start",
      "--endpoints=http://a:1,http://b:2",
      "--listen-addr=localhost:2379",
      "--data-dir=d",
    ],
  );
  assert.throws(
    () => grpcProxyArgs({ endpoints: [], listenAddr: "x:1", dataDir: "d" }),
    /without endpoints/,
  );
});

Deno.test("parseEtcdVersion() reads etcd's --version output", () => {
  assert.deepEqual(parseEtcdVersion("etcd Version: 3.4.23\nGit SHA: x\n"), [3, 4, 23]);
  assert.equal(parseEtcdVersion("true"), undefined);
});

Deno.test("resolveEtcd() finds etcd on PATH and checks its version", async () => {
  const found = await resolveEtcd("etcd", { PATH: "/nonexistent:/usr/bin" });
  assert.equal(found.path, "/usr/bin/etcd");
  assert.match(found.version, /^3\.[4-9]/);
  assert.equal((await resolveEtcd("/usr/bin/etcd", {})).path, "/usr/bin/etcd");
});

Deno.test("resolveEtcd() says what is wrong with --etcd-bin in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/etcd`, "not a program", { mode: 0o644 });
    await Deno.chmod(`${dir}/etcd`, 0o644);
    const cases: [string, Record<string, string>, RegExp][] = [
      ["etcd", { PATH: dir }, /"etcd": not found on PATH/],
      [`${dir}/etcd`, {}, /no executable file there/],
      [`${dir}/missing`, {}, /no executable file there/],
      ["/bin/true", {}, /is not etcd 3\.4\+/],
    ];
    for (const [bin, env, re] of cases) {
      await assert.rejects(() => resolveEtcd(bin, env), (e: unknown) => {
        assert.ok(e instanceof EtcdNotFoundError, String(e));
        assert.match(e.message, re);
        assert.match(e.message, /--etcd-bin=\/path\/to\/etcd/);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GrpcProxyProcess serves clients and follows a restart onto new endpoints", async () => {
  const one = await startEtcd({ name: "one" });
  const two = await startEtcd({ name: "two" });
  const dir = await Deno.makeTempDir();
  const listenAddr = `127.0.0.1:${freePort()}`;
  const proxy = new GrpcProxyProcess({
    etcdPath: "/usr/bin/etcd",
    listenAddr,
    dataDir: `${dir}/proxy`,
  });
  try {
    await put(one.clientUrl, "k", "from-one");
    await put(two.clientUrl, "k", "from-two");
    await proxy.restart([one.clientUrl]);
    assert.deepEqual(proxy.endpoints, [one.clientUrl]);
    const firstPid = proxy.pid;
    assert.equal(await get(`http://${listenAddr}`, "k"), "from-one");
    await put(`http://${listenAddr}`, "through", "proxy");
    assert.equal(await get(one.clientUrl, "through"), "proxy");

    await proxy.restart([two.clientUrl]);
    assert.notEqual(proxy.pid, firstPid, "a new process");
    assert.deepEqual(proxy.endpoints, [two.clientUrl]);
    assert.equal(await get(`http://${listenAddr}`, "k"), "from-two");
  } finally {
    await proxy.stop();
    await one.stop();
    await two.stop();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(proxy.endpoints, undefined);
  await assert.rejects(() =>
    Deno.connect({ hostname: "127.0.0.1", port: Number(listenAddr.split(":")[1]) })
  );
});

Deno.test("GrpcProxyProcess reports a proxy that dies, and refuses a taken listen address", async () => {
  const dir = await Deno.makeTempDir();
  const listenAddr = `127.0.0.1:${freePort()}`;
  const proxy = new GrpcProxyProcess({
    etcdPath: "/usr/bin/etcd",
    listenAddr,
    dataDir: `${dir}/proxy`,
  });
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: freePort() });
  try {
    const died = new Promise<GrpcProxyExitedError>((r) => proxy.onUnexpectedExit(r));
    // No etcd behind it: the proxy still listens (clients get errors until members exist).
    await proxy.restart(["http://127.0.0.1:1"]);
    Deno.kill(proxy.pid!, "SIGKILL");
    const error = await died;
    assert.ok(error instanceof GrpcProxyExitedError);
    assert.equal(proxy.endpoints, undefined);

    const taken = new GrpcProxyProcess({
      etcdPath: "/usr/bin/etcd",
      listenAddr: `127.0.0.1:${(squatter.addr as Deno.NetAddr).port}`,
      dataDir: `${dir}/proxy2`,
    });
    await assert.rejects(() => taken.restart(["http://127.0.0.1:1"]), /already listens on/);
  } finally {
    squatter.close();
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
