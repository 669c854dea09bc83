import assert from "node:assert/strict";
import {
  masterInfoFromJson,
  masterInfoFromProtobuf,
  type MasterSpec,
  masterUrlFromInfo,
  masterUrlFromPid,
  packIpv4,
  parseMasterSpec,
  unpackIpv4,
} from "./master_address.ts";

// Byte-exact data of /mesos/json.info_0000000000 in mesos-transcripts/zk-master-info.txt.
const TRANSCRIPT_JSON =
  '{"address":{"hostname":"localhost","ip":"127.0.0.1","port":15060},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],"hostname":"localhost","id":"a3c3b049-e2fb-4d8e-9450-28a4d6696dd7","ip":16777343,"pid":"master@127.0.0.1:15060","port":15060,"version":"1.12.0"}';

function staticUrl(spec: MasterSpec): string {
  assert.equal(spec.kind, "static");
  return spec.kind === "static" ? spec.url.href : "";
}

Deno.test("parseMasterSpec() reads host:port, master@host:port and bare hosts", () => {
  assert.equal(staticUrl(parseMasterSpec("10.0.0.1:5051")), "http://10.0.0.1:5051/");
  assert.equal(staticUrl(parseMasterSpec("master@10.0.0.1:5051")), "http://10.0.0.1:5051/");
  assert.equal(staticUrl(parseMasterSpec(" mesos.example.com ")), "http://mesos.example.com:5050/");
  assert.equal(staticUrl(parseMasterSpec("[::1]:5050")), "http://[::1]:5050/");
});

Deno.test("parseMasterSpec() reads http(s) URLs, defaulting the port and keeping a path", () => {
  assert.equal(staticUrl(parseMasterSpec("http://m1:5050")), "http://m1:5050/");
  assert.equal(staticUrl(parseMasterSpec("https://m1")), "https://m1:5050/");
  assert.equal(staticUrl(parseMasterSpec("HTTP://m1:80/")), "http://m1/");
  assert.equal(staticUrl(parseMasterSpec("https://m1:8443/mesos")), "https://m1:8443/mesos/");
});

Deno.test("parseMasterSpec() reads zk:// URLs", () => {
  assert.deepEqual(parseMasterSpec("zk://u:p@z1:2181,z2:2181/mesos"), {
    kind: "zk",
    zk: { servers: "z1:2181,z2:2181", chroot: "/mesos", auth: { user: "u", pass: "p" } },
  });
});

Deno.test("parseMasterSpec() rejects bad values with a RangeError naming them", () => {
  const cases: [string, RegExp][] = [
    ["", /""/],
    ["   ", /" {3}"/],
    ["zk://z1:2181/", /zk:\/\/z1:2181\//],
    ["zk://z1:2181", /path/],
    ["ftp://m1:21", /"ftp:\/\/m1:21".*ftp:\/\//],
    ["m1:0", /"m1:0".*bad port "0"/],
    ["m1:70000", /bad port "70000"/],
    ["m1:abc", /bad port "abc"/],
    ["m1:5050:1", /"m1:5050:1"/],
    ["m1,m2", /"m1,m2"/],
    ["master@", /"master@"/],
    ["http://user:pw@m1:5050", /credentials/],
    ["http://m1:5050/?x=1", /query/],
    ["http://:5050", /"http:\/\/:5050"/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseMasterSpec(spec), { name: "RangeError", message }, spec);
  }
});

Deno.test("packIpv4() packs little-endian as Mesos does and unpackIpv4() inverts it", () => {
  assert.equal(packIpv4("127.0.0.1"), 16777343);
  assert.equal(unpackIpv4(16777343), "127.0.0.1");
  assert.equal(packIpv4("255.255.255.255"), 0xffffffff);
  assert.equal(packIpv4("10.1.2.3"), 10 | (1 << 8) | (2 << 16) | (3 << 24));
  for (const ip of ["0.0.0.0", "192.168.33.250", "1.2.3.4"]) {
    assert.equal(unpackIpv4(packIpv4(ip)), ip);
  }
});

Deno.test("packIpv4() and unpackIpv4() reject bad input naming it", () => {
  for (const bad of ["1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4.5", ""]) {
    assert.throws(() => packIpv4(bad), {
      name: "RangeError",
      message: new RegExp(`"${bad.replaceAll(".", "\\.")}"`),
    });
  }
  assert.throws(() => unpackIpv4(-1), { name: "RangeError", message: /-1/ });
  assert.throws(() => unpackIpv4(2 ** 32), { name: "RangeError", message: /4294967296/ });
});

Deno.test("masterInfoFromJson() reads the transcript's MasterInfo", () => {
  const info = masterInfoFromJson(TRANSCRIPT_JSON);
  assert.deepEqual(info, {
    id: "a3c3b049-e2fb-4d8e-9450-28a4d6696dd7",
    ip: 16777343,
    port: 15060,
    pid: "master@127.0.0.1:15060",
    hostname: "localhost",
    version: "1.12.0",
    address: { hostname: "localhost", ip: "127.0.0.1", port: 15060 },
  });
  assert.equal(masterUrlFromInfo(info).href, "http://127.0.0.1:15060/");
  assert.equal(masterInfoFromJson(new TextEncoder().encode("{}")).id, undefined);
});

Deno.test("masterInfoFromJson() rejects non-objects naming the text", () => {
  for (const bad of ["", "[]", "null", "master@1.2.3.4:5050", "{"]) {
    assert.throws(() => masterInfoFromJson(bad), {
      name: "RangeError",
      message: new RegExp(
        JSON.stringify(JSON.stringify(bad)).slice(1, -1).replace(/[[\]{}]/g, "\\$&"),
      ),
    }, bad);
  }
});

Deno.test("masterUrlFromInfo() prefers address.ip, then ip, then pid, then hostname", () => {
  assert.equal(
    masterUrlFromInfo({ address: { ip: "10.0.0.9", port: 1 }, ip: 16777343, port: 2 }).href,
    "http://10.0.0.9:1/",
  );
  assert.equal(
    masterUrlFromInfo({ ip: 16777343, port: 5051, pid: "master@9.9.9.9:1" }).href,
    "http://127.0.0.1:5051/",
  );
  assert.equal(masterUrlFromInfo({ ip: 0, pid: "master@9.9.9.9:7" }).href, "http://9.9.9.9:7/");
  assert.equal(
    masterUrlFromInfo({ hostname: "m1.example", port: 5055 }).href,
    "http://m1.example:5055/",
  );
  assert.equal(
    masterUrlFromInfo({ address: { hostname: "m2" } }, "https").href,
    "https://m2:5050/",
  );
  assert.equal(
    masterUrlFromInfo({ address: { ip: "fd00::1", port: 5050 } }).href,
    "http://[fd00::1]:5050/",
  );
  assert.throws(() => masterUrlFromInfo({ id: "abc" }), { name: "RangeError", message: /"abc"/ });
});

Deno.test("masterUrlFromPid() parses master@ip:port and rejects other text", () => {
  assert.equal(masterUrlFromPid("master@127.0.0.1:5050").href, "http://127.0.0.1:5050/");
  assert.equal(masterUrlFromPid("master@10.0.0.1:5050\n", "https").href, "https://10.0.0.1:5050/");
  assert.throws(() => masterUrlFromPid("127.0.0.1:5050"), {
    name: "RangeError",
    message: /"127\.0\.0\.1:5050"/,
  });
  assert.throws(() => masterUrlFromPid("master@h:0"), { name: "RangeError", message: /"0"/ });
});

/** Encodes a MasterInfo by hand (field 2/3 varints, the rest length-delimited). */
function encodeMasterInfo(): Uint8Array {
  const bytes: number[] = [];
  const varint = (n: number) => {
    for (; n >= 0x80; n = Math.floor(n / 128)) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
  };
  const str = (field: number, s: string | Uint8Array) => {
    const b = typeof s === "string" ? new TextEncoder().encode(s) : s;
    varint(field * 8 + 2);
    varint(b.length);
    bytes.push(...b);
  };
  str(1, "id-1");
  varint(2 * 8);
  varint(16777343);
  varint(3 * 8);
  varint(5050);
  str(4, "master@127.0.0.1:5050");
  str(5, "m1");
  varint(9 * 8 + 5); // an unknown fixed32 field is skipped
  bytes.push(1, 2, 3, 4);
  const address: number[] = [];
  const saved = bytes.splice(0);
  str(1, "m1");
  str(2, "127.0.0.2");
  varint(3 * 8);
  varint(5051);
  address.push(...bytes.splice(0));
  bytes.push(...saved);
  str(7, new Uint8Array(address));
  return new Uint8Array(bytes);
}

Deno.test("masterInfoFromProtobuf() decodes legacy binary MasterInfo", () => {
  const info = masterInfoFromProtobuf(encodeMasterInfo());
  assert.deepEqual(info, {
    id: "id-1",
    ip: 16777343,
    port: 5050,
    pid: "master@127.0.0.1:5050",
    hostname: "m1",
    address: { hostname: "m1", ip: "127.0.0.2", port: 5051 },
  });
  assert.equal(masterUrlFromInfo(info).href, "http://127.0.0.2:5051/");
});

Deno.test("masterInfoFromProtobuf() rejects truncated bytes", () => {
  const bytes = encodeMasterInfo();
  assert.throws(() => masterInfoFromProtobuf(bytes.subarray(0, bytes.length - 3)), {
    name: "RangeError",
    message: /MasterInfo protobuf/,
  });
});
