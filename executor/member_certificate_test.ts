import assert from "node:assert/strict";
import { CertificateAuthority } from "../lib/tls/authority.ts";
import { parseCsr } from "../lib/tls/csr.ts";
import {
  type CertificateReply,
  encodeCertificateReply,
  parseCertificateRequest,
} from "../contract/certificates.ts";
import { encodeMemberConfig } from "../contract/member_config.ts";
import type { ExecutorEvent } from "../lib/mesos/types.ts";
import { config, harness, launch, settle } from "./testing/executor_harness.ts";
import { until } from "../lib/until.ts";

const DAY = 86_400_000;
const tlsConfig = {
  ...config,
  initialCluster: "etcd-1=https://127.0.0.1:31000",
  tls: true,
};

/** Signs the executor's last CSR as the scheduler would, valid for `validityMs`. */
async function answer(
  h: ReturnType<typeof harness>,
  ca: CertificateAuthority,
  validityMs: number,
): Promise<CertificateReply> {
  const req = parseCertificateRequest(h.messages.at(-1)!);
  const csr = await parseCsr(req.csr);
  const signed = await ca.sign({
    publicKey: await csr.request.publicKey.export(),
    commonName: csr.commonName,
    dnsNames: ["localhost"],
    ips: ["127.0.0.1", ...req.ips],
    usages: ["serverAuth", "clientAuth"],
    validityMs,
    now: h.clock.now(),
  });
  const reply: CertificateReply = {
    kind: "certificate",
    id: req.id,
    taskId: req.taskId,
    ok: true,
    certificate: signed.pem,
    ca: ca.certificatePem,
    message: "signed",
  };
  const event: ExecutorEvent = {
    type: "MESSAGE",
    message: { data: encodeCertificateReply(reply) },
  };
  h.executor.handle(event);
  for (let i = 0; i < 20; i++) await settle();
  return reply;
}

async function untilMessages(h: ReturnType<typeof harness>, n: number) {
  await until(() => h.messages.length >= n, {
    timeoutMs: 1000,
    what: `${n} messages`,
    intervalMs: 5,
  });
}

Deno.test("with tls the executor sends a CSR (key kept on the agent) and starts etcd with its certificate", async () => {
  const ca = await CertificateAuthority.generate("ca", { now: 1_000_000, validityMs: 365 * DAY });
  const h = harness();
  h.executor.handle(launch(encodeMemberConfig(tlsConfig)));
  await untilMessages(h, 1);
  const req = parseCertificateRequest(h.messages[0]!);
  assert.equal(req.taskId, "t1");
  assert.deepEqual(req.ips, ["10.0.0.7"]);
  assert.doesNotMatch(new TextDecoder().decode(h.messages[0]!), /PRIVATE KEY/);
  assert.match(h.files.get("/sandbox/tls/key.pem")!, /BEGIN PRIVATE KEY/);
  assert.equal(h.procs.length, 0, "etcd started without its certificate");
  // Unanswered: asked again.
  h.clock.advance(5_000);
  assert.equal(h.messages.length, 2);
  const reply = await answer(h, ca, 30 * DAY);
  assert.equal(h.files.get("/sandbox/tls/cert.pem"), reply.certificate);
  assert.equal(h.files.get("/sandbox/tls/ca.pem"), ca.certificatePem);
  assert.equal(h.procs.length, 1);
  const args = h.procs[0]!.args;
  assert.ok(args.includes("--cert-file=/sandbox/tls/cert.pem"));
  assert.ok(args.includes("--peer-client-cert-auth=true"));
  assert.ok(args.includes("--listen-client-urls=https://127.0.0.1:31001"));
  assert.equal(h.healthWaits[0]!.url, "https://127.0.0.1:31001");
});

Deno.test("a short-validity member certificate is renewed at 2/3 of its life without restarting etcd", async () => {
  const ca = await CertificateAuthority.generate("ca", { now: 1_000_000, validityMs: 365 * DAY });
  const h = harness();
  h.executor.handle(launch(encodeMemberConfig(tlsConfig)));
  await untilMessages(h, 1);
  const first = await answer(h, ca, 90_000); // 90 s (+1 min of skew allowance before)
  await h.healthy();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
  const sent = h.messages.length;
  // notBefore is now-60s, so 2/3 of the 150 s life is 40 s from now.
  h.clock.advance(39_000);
  assert.equal(h.messages.length, sent, "renewed too early");
  h.clock.advance(1_500);
  await untilMessages(h, sent + 1);
  const second = await answer(h, ca, 90_000);
  assert.notEqual(second.certificate, first.certificate);
  assert.equal(h.files.get("/sandbox/tls/cert.pem"), second.certificate);
  assert.equal(h.procs.length, 1, "etcd was restarted");
  assert.equal(h.procs[0]!.stops.length, 0);
  assert.equal(h.executor.state.phase, "running");
});

Deno.test("a refused or stale certificate reply is not used", async () => {
  const h = harness();
  h.executor.handle(launch(encodeMemberConfig(tlsConfig)));
  await untilMessages(h, 1);
  const req = parseCertificateRequest(h.messages[0]!);
  const refused: CertificateReply = {
    kind: "certificate",
    id: req.id,
    taskId: "t1",
    ok: false,
    message: "not one of my tasks",
  };
  h.executor.handle({ type: "MESSAGE", message: { data: encodeCertificateReply(refused) } });
  await settle();
  assert.equal(h.procs.length, 0);
  assert.equal(h.files.has("/sandbox/tls/cert.pem"), false);
  h.clock.advance(5_000);
  assert.equal(h.messages.length, 2, "asked again after a refusal");
});
