import assert from "node:assert/strict";
import { formatZkUrl, parseZkUrl } from "./url.ts";

Deno.test("parseZkUrl() parses one server and a path", () => {
  assert.deepEqual(parseZkUrl("zk://127.0.0.1:2181/mesos"), {
    servers: "127.0.0.1:2181",
    chroot: "/mesos",
  });
});

Deno.test("parseZkUrl() parses several servers, credentials and a nested path", () => {
  assert.deepEqual(parseZkUrl("zk://ops:s3cr:et@zk1:2181,zk2.example.com:2182/a/mesos"), {
    servers: "zk1:2181,zk2.example.com:2182",
    chroot: "/a/mesos",
    auth: { user: "ops", pass: "s3cr:et" },
  });
});

Deno.test("parseZkUrl() fills in the default port and drops a trailing slash", () => {
  assert.deepEqual(parseZkUrl("ZK://zk1,zk2:2888/mesos/"), {
    servers: "zk1:2181,zk2:2888",
    chroot: "/mesos",
  });
});

Deno.test("parseZkUrl() accepts an empty password", () => {
  assert.deepEqual(parseZkUrl("zk://u:@h:1/p").auth, { user: "u", pass: "" });
});

Deno.test("parseZkUrl() rejects non-zk URLs with a TypeError naming them", () => {
  for (const bad of ["http://h:2181/mesos", "h:2181/mesos", ""]) {
    assert.throws(() => parseZkUrl(bad), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.ok(e.message.includes(JSON.stringify(bad)), e.message);
      return true;
    });
  }
});

Deno.test("parseZkUrl() rejects a missing, empty or root path", () => {
  for (const bad of ["zk://h:2181", "zk://h:2181/", "zk://h:2181//", "zk://h:2181/a//b"]) {
    assert.throws(() => parseZkUrl(bad), { name: "RangeError", message: /path/ }, bad);
  }
});

Deno.test("parseZkUrl() rejects . and .. path segments", () => {
  assert.throws(() => parseZkUrl("zk://h:1/a/../b"), {
    name: "RangeError",
    message: /"\/a\/..\/b"/,
  });
  assert.throws(() => parseZkUrl("zk://h:1/."), { name: "RangeError" });
});

Deno.test("parseZkUrl() rejects bad servers and ports naming them", () => {
  const cases: [string, RegExp][] = [
    ["zk:///mesos", /no servers/],
    ["zk://h:0/mesos", /bad port "0"/],
    ["zk://h:65536/mesos", /bad port "65536"/],
    ["zk://h:x/mesos", /bad port "x"/],
    ["zk://h:/mesos", /bad port ""/],
    ["zk://h:1:2/mesos", /bad server "h:1:2"/],
    ["zk://h1:1,,h2:2/mesos", /bad server ""/],
    ["zk://bad_host:1/mesos", /bad server "bad_host:1"/],
    ["zk://[::1]:2181/mesos", /IPv6/],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => parseZkUrl(url), { name: "RangeError", message }, url);
  }
});

Deno.test("parseZkUrl() rejects credentials without a user or colon", () => {
  assert.throws(() => parseZkUrl("zk://justuser@h:1/m"), {
    name: "RangeError",
    message: /user:pass/,
  });
  assert.throws(() => parseZkUrl("zk://:pw@h:1/m"), { name: "RangeError", message: /user:pass/ });
});

Deno.test("parseZkUrl() errors never show the password", () => {
  assert.throws(() => parseZkUrl("zk://ops:hunter2@h:99999/m"), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.ok(!e.message.includes("hunter2"), e.message);
    assert.ok(e.message.includes("zk://ops:***@h:99999/m"), e.message);
    return true;
  });
});

Deno.test("formatZkUrl() round-trips and can mask the password", () => {
  const url = "zk://ops:pw@h1:1,h2:2/mesos";
  assert.equal(formatZkUrl(parseZkUrl(url)), url);
  assert.equal(formatZkUrl(parseZkUrl(url), { mask: true }), "zk://ops:***@h1:1,h2:2/mesos");
  assert.equal(formatZkUrl(parseZkUrl("zk://h/m")), "zk://h:2181/m");
});
