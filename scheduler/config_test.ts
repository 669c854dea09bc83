import assert from "node:assert/strict";
import { type Config, ConfigError, coreOptionsOf, parseConfig, usage } from "./config.ts";

const ZK = "--zk-framework-persist=zk://127.0.0.1:2181/etcd-mesos";

Deno.test("parseConfig() defaults match the original where it had them", () => {
  const c = parseConfig([ZK], {});
  assert.equal(c.frameworkName, "etcd");
  assert.equal(c.master, "127.0.0.1:5050");
  assert.equal(c.clusterSize, 5);
  assert.equal(c.adminPort, 23400);
  assert.equal(c.adminAddress, "127.0.0.1");
  assert.equal(c.reseedTimeoutMs, 240_000);
  assert.equal(c.autoReseed, true);
  assert.equal(c.artifactPort, 12300);
  assert.deepEqual([c.cpuLimit, c.memLimitMb, c.diskLimitMb], [4, 2048, 4096]);
  assert.equal(c.offerRefuseSeconds, 15);
  assert.equal(c.singleInstancePerSlave, true);
  assert.equal(c.failoverTimeoutSeconds, 604800);
  assert.equal(c.healthIntervalMs, 5000);
  assert.equal(c.encoding, "json");
  assert.deepEqual(c.placement, { kind: "agent" });
  assert.equal(c.help, false);
});

/** [what, args, env, the fields expected]. */
const good: [string, string[], Record<string, string>, Partial<Config>][] = [
  ["Go style -flag=value", ["-cluster-size=3", ZK], {}, { clusterSize: 3 }],
  ["--flag=value", ["--cluster-size=7", ZK], {}, { clusterSize: 7 }],
  ["GNU style --flag value", ["--cluster-size", "1", ZK], {}, { clusterSize: 1 }],
  ["single dash with a separate value", ["-cluster-size", "9", ZK], {}, { clusterSize: 9 }],
  ["bare boolean", ["--auto-reseed=false", "--auto-reseed", ZK], {}, { autoReseed: true }],
  ["boolean =false", ["-auto-reseed=false", ZK], {}, { autoReseed: false }],
  ["boolean with a separate false", ["--auto-reseed", "false", ZK], {}, { autoReseed: false }],
  ["boolean with a separate TRUE", ["--auto-reseed", "TRUE", ZK], {}, { autoReseed: true }],
  ["Go's boolean forms", ["-auto-reseed=0", "-log-json=t", ZK], {}, {
    autoReseed: false,
    logJson: true,
  }],
  ["env fallbacks of the Docker image", [ZK], {
    FRAMEWORK_NAME: "prod",
    CLUSTER_SIZE: "3",
    MESOS_MASTER: "zk://10.0.0.1:2181/mesos",
    AUTO_RESEED: "false",
    RESEED_TIMEOUT: "60",
    CPU_LIMIT: "0.5",
    MEM_LIMIT: "512",
    DISK_LIMIT: "1024",
    VERBOSITY: "1",
    FRAMEWORK_FAILOVER_TIMEOUT_SECONDS: "3600",
    SINGLE_INSTANCE_PER_SLAVE: "true",
    WEBURI: "http://ui.example.com/",
  }, {
    frameworkName: "prod",
    clusterSize: 3,
    master: "zk://10.0.0.1:2181/mesos",
    autoReseed: false,
    reseedTimeoutMs: 60_000,
    cpuLimit: 0.5,
    memLimitMb: 512,
    diskLimitMb: 1024,
    verbosity: 1,
    failoverTimeoutSeconds: 3600,
    frameworkWebUri: "http://ui.example.com/",
  }],
  ["ZK_PERSIST satisfies the required flag", [], { ZK_PERSIST: "zk://h:2181/p" }, {
    zkFrameworkPersist: "zk://h:2181/p",
  }],
  ["flags win over env", ["--cluster-size=3", ZK], { CLUSTER_SIZE: "5" }, { clusterSize: 3 }],
  ["Marathon ports: PORT0 admin (on all interfaces), PORT2 artifacts", [ZK], {
    PORT0: "31000",
    PORT1: "31001",
    PORT2: "31002",
  }, { adminPort: 31000, adminAddress: "0.0.0.0", artifactPort: 31002 }],
  ["a two-port Marathon app: PORT1 artifacts", [ZK], { PORT1: "31001" }, { artifactPort: 31001 }],
  ["explicit admin address wins", ["--admin-address=10.1.1.1", ZK], { PORT0: "1" }, {
    adminAddress: "10.1.1.1",
  }],
  ["empty env values are ignored", [ZK], { CLUSTER_SIZE: "" }, { clusterSize: 5 }],
  ["ephemeral needs no ZooKeeper", ["--ephemeral"], {}, { ephemeral: true }],
  [
    "durations in Go syntax or seconds",
    [
      "--health-interval=500ms",
      "--member-grace-period=1m30s",
      "--reseed-timeout=4m",
      "--destructive-interval=0",
      ZK,
    ],
    {},
    {
      healthIntervalMs: 500,
      memberGracePeriodMs: 90_000,
      reseedTimeoutMs: 240_000,
      destructiveIntervalMs: 0,
    },
  ],
  ["placement by attribute", ["--placement=attribute:rack", ZK], {}, {
    placement: { kind: "attribute", name: "rack" },
  }],
  [
    "no spreading when single-instance-per-slave is off",
    [
      "--single-instance-per-slave=false",
      ZK,
    ],
    {},
    { placement: { kind: "any" } },
  ],
  ["master forms", ["--master=master@10.0.0.1:5050", ZK], {}, { master: "master@10.0.0.1:5050" }],
  ["http master", ["--master", "http://m1:5050", ZK], {}, { master: "http://m1:5050" }],
  [
    "new flags",
    [
      "--executor-uri=http://s:12300/executor.tar.gz",
      "--etcd-uri=file:///opt/etcd",
      "--admin-token=abc",
      "--role=etcd",
      "--encoding=protobuf",
      "--mesos-authentication-principal=p",
      "--mesos-authentication-secret-file=/etc/secret",
      ZK,
    ],
    {},
    {
      executorUri: "http://s:12300/executor.tar.gz",
      etcdUri: "file:///opt/etcd",
      adminToken: "abc",
      role: "etcd",
      encoding: "protobuf",
      mesosAuthenticationPrincipal: "p",
      mesosAuthenticationSecretFile: "/etc/secret",
    },
  ],
  ["glog flags are accepted", ["-v=2", "-logtostderr=true", "-log_dir=/tmp", ZK], {}, {
    verbosity: 2,
    logDir: "/tmp",
  }],
  ["--help skips validation", ["--help"], {}, { help: true }],
  ["-h is --help", ["-h"], {}, { help: true }],
];

for (const [what, args, env, expected] of good) {
  Deno.test(`parseConfig() accepts ${what}`, () => {
    const c = parseConfig(args, env);
    const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, c[k as keyof Config]]));
    assert.deepEqual(picked, expected);
  });
}

/** [what, args, env, flag named, message pattern]. */
const bad: [string, string[], Record<string, string>, string, RegExp][] = [
  [
    "a non-number cluster size",
    ["--cluster-size=x", ZK],
    {},
    "--cluster-size",
    /^Cannot parse --cluster-size "x": expected an odd integer 1\.\.9$/,
  ],
  [
    "an even cluster size",
    ["-cluster-size=4", ZK],
    {},
    "-cluster-size",
    /"4": expected an odd integer 1\.\.9/,
  ],
  ["a cluster size too big", ["--cluster-size", "11", ZK], {}, "--cluster-size", /"11"/],
  [
    "a bad env value, naming the variable",
    [ZK],
    { CLUSTER_SIZE: "two" },
    "CLUSTER_SIZE",
    /^Cannot parse CLUSTER_SIZE "two"/,
  ],
  [
    "an unknown flag",
    ["--cluster-sise=3", ZK],
    {},
    "--cluster-sise",
    /^Unknown flag --cluster-sise/,
  ],
  ["an unknown single-dash flag", ["-foo", ZK], {}, "-foo", /Unknown flag -foo/],
  ["a stray argument", [ZK, "extra"], {}, "extra", /Unexpected argument "extra"/],
  ["a flag without its value", [ZK, "--master"], {}, "--master", /Missing value for --master/],
  [
    "a bad boolean",
    ["--auto-reseed=maybe", ZK],
    {},
    "--auto-reseed",
    /"maybe": expected true or false/,
  ],
  [
    "no ZooKeeper and not ephemeral",
    [],
    {},
    "--zk-framework-persist",
    /Missing --zk-framework-persist.*--ephemeral/,
  ],
  [
    "a bad ZooKeeper URL",
    ["--zk-framework-persist=http://h/x"],
    {},
    "--zk-framework-persist",
    /Cannot parse --zk-framework-persist "http:\/\/h\/x"/,
  ],
  [
    "a bad master",
    ["--master=not a master", ZK],
    {},
    "--master",
    /Cannot parse --master "not a master"/,
  ],
  [
    "a bad port",
    ["--admin-port=70000", ZK],
    {},
    "--admin-port",
    /"70000": expected an integer 0\.\.65535/,
  ],
  [
    "a bad duration",
    ["--health-interval=5 parsecs", ZK],
    {},
    "--health-interval",
    /expected a duration/,
  ],
  [
    "a zero health interval",
    ["--health-interval=0", ZK],
    {},
    "--health-interval",
    /expected a duration > 0/,
  ],
  [
    "zero cpus",
    ["--sandbox-cpu-limit=0", ZK],
    {},
    "--sandbox-cpu-limit",
    /"0": expected a number > 0/,
  ],
  ["a bad encoding", ["--encoding=xml", ZK], {}, "--encoding", /"xml": expected json or protobuf/],
  [
    "a bad placement",
    ["--placement=rack", ZK],
    {},
    "--placement",
    /agent, hostname or attribute:NAME/,
  ],
  ["a bad framework name", ["--framework-name=a/b", ZK], {}, "--framework-name", /"a\/b"/],
  [
    "both token and token file",
    ["--admin-token=a", "--admin-token-file=/f", ZK],
    {},
    "--admin-token-file",
    /either --admin-token or --admin-token-file/,
  ],
  [
    "a principal without a secret",
    ["--mesos-authentication-principal=p", ZK],
    {},
    "--mesos-authentication-secret-file",
    /Missing --mesos-authentication-secret-file/,
  ],
  ["a relative executor URI", ["--executor-uri=bin/x", ZK], {}, "--executor-uri", /expected a URL/],
];

for (const [what, args, env, flag, message] of bad) {
  Deno.test(`parseConfig() rejects ${what}`, () => {
    assert.throws(() => parseConfig(args, env), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.flag, flag);
      assert.match(e.message, message);
      return true;
    });
  });
}

Deno.test("usage() lists every flag with defaults and env variables", () => {
  const text = usage();
  for (
    const flag of [
      "--cluster-size=...",
      "--zk-framework-persist=...",
      "--auto-reseed",
      "--ephemeral",
    ]
  ) {
    assert.ok(text.includes(flag), flag);
  }
  assert.match(text, /desired etcd members \(odd, 1\.\.9\) \(default 5\) \[CLUSTER_SIZE\]/);
  assert.match(text, /\[PORT2 or PORT1\]/);
});

Deno.test("coreOptionsOf() carries limits, size and timings to the core", () => {
  const o = coreOptionsOf(
    parseConfig(["--cluster-size=3", "--sandbox-cpu-limit=0.5", "--ephemeral"], {}),
  );
  assert.equal(o.clusterSize, 3);
  assert.equal(o.cpus, 0.5);
  assert.equal(o.healthIntervalMs, 5000);
  assert.deepEqual(o.placement, { kind: "agent" });
});
