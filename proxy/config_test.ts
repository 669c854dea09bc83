import assert from "node:assert/strict";
import { ConfigError, listenAddrOf, parseProxyConfig, proxyUsage } from "./config.ts";

Deno.test("parseProxyConfig() has the original's defaults", () => {
  const c = parseProxyConfig([], {});
  assert.equal(c.master, "127.0.0.1:5050");
  assert.equal(c.frameworkName, "etcd");
  assert.equal(c.etcdBin, "etcd");
  assert.deepEqual(c.listenClientUrls, ["http://localhost:2379", "http://localhost:4001"]);
  assert.equal(c.listenAddr, "localhost:2379");
  assert.deepEqual(c.ignoredListenUrls, ["http://localhost:4001"]);
  assert.equal(c.dataDir, "default.proxy");
  assert.equal(c.schedulerUrls, undefined);
  assert.equal(c.pollIntervalMs, 5000);
});

Deno.test("parseProxyConfig() takes Go-style and GNU-style flags, flags over environment", () => {
  const c = parseProxyConfig(
    [
      "-master=zk://z1:2181,z2:2181/mesos",
      "--framework-name",
      "etcd-prod",
      "-etcd-bin=/opt/etcd/etcd",
      "--listen-client-urls=http://127.0.0.1:12379",
      "--data-dir=/var/lib/proxy",
      "--scheduler-url=http://sched:23400/",
      "--poll-interval=2s",
      "-v=1",
    ],
    { FRAMEWORK_NAME: "from-env", MESOS_MASTER: "10.0.0.1:5050" },
  );
  assert.equal(c.master, "zk://z1:2181,z2:2181/mesos");
  assert.equal(c.frameworkName, "etcd-prod");
  assert.equal(c.etcdBin, "/opt/etcd/etcd");
  assert.equal(c.listenAddr, "127.0.0.1:12379");
  assert.deepEqual(c.ignoredListenUrls, []);
  assert.equal(c.dataDir, "/var/lib/proxy");
  assert.deepEqual(c.schedulerUrls, ["http://sched:23400"]);
  assert.equal(c.pollIntervalMs, 2000);
  assert.equal(c.verbosity, 1);
});

Deno.test("parseProxyConfig() takes several scheduler URLs (a leader and its standbys)", () => {
  const c = parseProxyConfig(["--scheduler-url=http://s1:23400, http://s2:23400/"], {});
  assert.deepEqual(c.schedulerUrls, ["http://s1:23400", "http://s2:23400"]);
});

Deno.test("parseProxyConfig() reads the image's environment variables", () => {
  const c = parseProxyConfig([], {
    FRAMEWORK_NAME: "etcd-a",
    MESOS_MASTER: "zk://m:2181/mesos",
    SCHEDULER_URL: "http://s:1",
    ETCD_BIN: "/usr/bin/etcd",
  });
  assert.equal(c.frameworkName, "etcd-a");
  assert.equal(c.master, "zk://m:2181/mesos");
  assert.deepEqual(c.schedulerUrls, ["http://s:1"]);
  assert.equal(c.etcdBin, "/usr/bin/etcd");
});

Deno.test("parseProxyConfig() names the flag and the value it cannot use", () => {
  const cases: [string[], RegExp][] = [
    [["--master=nowhere"], /--master "nowhere"/],
    [["--master=zk://h:1"], /--master "zk:\/\/h:1"/],
    [["--framework-name=a b"], /--framework-name "a b"/],
    [["--scheduler-url=ftp://x"], /--scheduler-url "ftp:\/\/x": expected an http/],
    [["--scheduler-url=http://a:1,nope"], /--scheduler-url "nope": expected an http/],
    [["--listen-client-urls=https://h:1"], /--listen-client-urls "https:\/\/h:1"/],
    [["--listen-client-urls=http://h"], /--listen-client-urls "http:\/\/h"/],
    [["--poll-interval=100ms"], /--poll-interval "100ms": expected a duration of at least 1s/],
    [["--bogus=1"], /Unknown flag --bogus/],
  ];
  for (const [args, re] of cases) {
    assert.throws(() => parseProxyConfig(args, {}), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${args}: ${e}`);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("listenAddrOf() listens on the first URL and reports the rest as ignored", () => {
  assert.deepEqual(listenAddrOf(["http://0.0.0.0:2379", "http://localhost:4001"]), {
    listenAddr: "0.0.0.0:2379",
    ignored: ["http://localhost:4001"],
  });
  assert.deepEqual(listenAddrOf(["http://[::1]:2379/"]).listenAddr, "[::1]:2379");
  assert.throws(() => listenAddrOf([]), /expected at least one/);
});

Deno.test("proxyUsage() lists every flag with its default and variable", () => {
  const text = proxyUsage();
  for (const flag of ["--master", "--framework-name", "--etcd-bin", "--scheduler-url"]) {
    assert.ok(text.includes(flag), flag);
  }
  assert.match(text, /default http:\/\/localhost:2379,http:\/\/localhost:4001/);
  assert.match(text, /\[MESOS_MASTER\]/);
});

Deno.test("parseProxyConfig() with --tls needs the scheduler and its token, and takes https", () => {
  const c = parseProxyConfig([
    "--tls",
    "--scheduler-url=http://s:23400",
    "--admin-token-file=/t",
    "--listen-client-urls=https://127.0.0.1:2379",
  ], {});
  assert.equal(c.tls, true);
  assert.equal(c.listenAddr, "127.0.0.1:2379");
  assert.throws(() => parseProxyConfig(["--tls", "--admin-token-file=/t"], {}), /--scheduler-url/);
  assert.throws(
    () => parseProxyConfig(["--tls", "--scheduler-url=http://s:1"], {}),
    /--admin-token-file/,
  );
});
