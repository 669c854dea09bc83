import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import {
  dnsLabel,
  domainFrag,
  MesosDnsError,
  mesosDnsRecords,
  portsOfRanges,
  srvPorts,
  taskIdHash,
  zbase32,
} from "./mesos_dns.ts";

Deno.test("zbase32() matches the z-base-32 specification's example", () => {
  // "the 24 bit string 111100001011111111000111 encodes as 6n9hq" (plus padding bits).
  assert.equal(zbase32(new Uint8Array([0xf0, 0xbf, 0xc7])).slice(0, 5), "6n9hq");
  assert.equal(zbase32(new Uint8Array([])), "");
  assert.match(
    taskIdHash("etcd-1 10.0.0.1 31000 31001"),
    /^[ybndrfg8ejkmcpqxot1uwisza345h769]{5}$/,
  );
});

Deno.test("dnsLabel() and domainFrag() mangle names as Mesos-DNS does", () => {
  assert.equal(dnsLabel("etcd-server"), "etcd-server");
  assert.equal(dnsLabel("My_Task.v2"), "my-task-v2");
  assert.equal(dnsLabel("--a*b--"), "ab");
  assert.equal(dnsLabel("x".repeat(70)).length, 63);
  assert.equal(domainFrag("etcd.Prod_1"), "etcd.prod-1");
  assert.equal(domainFrag("a..b"), "a.b");
});

Deno.test("portsOfRanges() expands lo-hi ranges and rejects bare ports like Mesos-DNS would choke on", () => {
  assert.deepEqual(portsOfRanges("[31000-31001, 31005-31005]"), [31000, 31001, 31005]);
  assert.deepEqual(portsOfRanges("[]"), []);
  assert.throws(() => portsOfRanges("[31000]"), MesosDnsError);
});

Deno.test("mesosDnsRecords() on a real Mesos 1.12 state: DiscoveryInfo ports become SRV records", async () => {
  const records = mesosDnsRecords(JSON.parse(await transcriptText("master-state.json")));
  // Task t1 of framework "transcript" has DiscoveryInfo{name etcd-server, ports [31000 peer tcp]}.
  assert.deepEqual(srvPorts(records, "_etcd-server._tcp.transcript.mesos"), [31000]);
  assert.deepEqual(srvPorts(records, "_peer._etcd-server._tcp.transcript.mesos."), [31000]);
  const target = records.srv["_etcd-server._tcp.transcript.mesos."]![0]!;
  assert.match(target, /^etcd-server-[a-z0-9]{5}-s0\.transcript\.mesos\.:31000$/);
  assert.equal(target, `etcd-server-${taskIdHash("t1")}-s0.transcript.mesos.:31000`);
  // The ports resource only under .slave when DiscoveryInfo is present (tcp and udp).
  assert.deepEqual(srvPorts(records, "_etcd-server._tcp.transcript.slave.mesos"), [31000]);
  assert.deepEqual(srvPorts(records, "_etcd-server._udp.transcript.slave.mesos"), [31000]);
  assert.deepEqual(records.a["etcd-server.transcript.mesos."], ["127.0.0.1"]);
  assert.deepEqual(records.a["etcd-server.transcript.slave.mesos."], ["127.0.0.1"]);
  assert.deepEqual(records.a["leader.mesos."], ["127.0.0.1"]);
  assert.equal(records.srv["_t1._tcp.transcript.mesos."], undefined, "the discovery name wins");
});

Deno.test("mesosDnsRecords() gives a protocol-`client` port its own SRV name and skips non-running tasks", () => {
  const task = (id: string, state: string, peer: number, client: number) => ({
    id,
    name: "etcd-server",
    slave_id: "A-S1",
    state,
    resources: { ports: `[${peer}-${peer}, ${client}-${client}]` },
    statuses: [{ state: "TASK_RUNNING", timestamp: 1 }],
    discovery: {
      visibility: "EXTERNAL",
      name: "etcd-server",
      ports: {
        ports: [
          { number: peer, name: "peer", protocol: "tcp" },
          { number: client, name: "client", protocol: "client" },
        ],
      },
    },
  });
  const state = {
    leader: "master@10.0.0.9:5050",
    slaves: [{ id: "A-S1", pid: "slave(1)@10.0.0.1:5051" }],
    frameworks: [{
      name: "etcd",
      tasks: [
        task("m1", "TASK_RUNNING", 31000, 31001),
        task("m2", "TASK_RUNNING", 31002, 31003),
        task("m3", "TASK_KILLED", 31004, 31005),
      ],
    }],
  };
  const records = mesosDnsRecords(state);
  assert.deepEqual(srvPorts(records, "_etcd-server._tcp.etcd.mesos"), [31000, 31002]);
  assert.deepEqual(srvPorts(records, "_etcd-server._client.etcd.mesos"), [31001, 31003]);
  assert.deepEqual(srvPorts(records, "_client._etcd-server._client.etcd.mesos"), [31001, 31003]);
  assert.deepEqual(records.a["etcd-server.etcd.mesos."], ["10.0.0.1"]);
});

Deno.test("mesosDnsRecords() names what Mesos-DNS could not read", () => {
  const base = { leader: "master@10.0.0.9:5050", slaves: [], frameworks: [] };
  assert.throws(() => mesosDnsRecords({ ...base, leader: undefined }), /leader undefined/);
  assert.throws(
    () => mesosDnsRecords({ ...base, slaves: [{ id: "S1", pid: null }] }),
    /agent "S1" pid null/,
  );
  assert.throws(
    () => mesosDnsRecords({ ...base, frameworks: [{ name: "etcd", pid: null, tasks: [] }] }),
    /framework "etcd" pid null/,
  );
  assert.throws(
    () =>
      mesosDnsRecords({
        ...base,
        slaves: [{ id: "S1", pid: "slave(1)@10.0.0.1:5051" }],
        frameworks: [{
          name: "etcd",
          tasks: [{
            id: "t",
            name: "t",
            slave_id: "S1",
            state: "TASK_RUNNING",
            resources: { ports: "[31000]" },
          }],
        }],
      }),
    /task "t" ports "\[31000\]"/,
  );
});
