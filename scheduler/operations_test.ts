import assert from "node:assert/strict";
import { silentLogger } from "../lib/log.ts";
import { parseConfig } from "./config.ts";
import { createOperations } from "./operations.ts";
import { CertificateEvents } from "./tls/certificate_events.ts";

const signed = (subject: string, at: number) => ({
  at,
  kind: "member" as const,
  subject,
  serial: "0a1b",
  notAfter: Date.UTC(2030, 0, 1),
  requester: "task etcd-1 h1 31000 31001",
  names: ["h1", "127.0.0.1"],
});

Deno.test("operations record every certificate signed, those before watching first", async () => {
  const ops = createOperations(parseConfig(["--ephemeral"], {}), { log: silentLogger });
  const certificates = new CertificateEvents(silentLogger);
  certificates.record(signed("etcd-1", 1));
  ops.watchCertificates(certificates);
  certificates.record(signed("etcd-2", 2));
  const events = ops.admin.events!.list({ kind: "certificate" });
  assert.deepEqual(events.map((e) => e.fields.subject), ["etcd-1", "etcd-2"]);
  assert.equal(
    events[0]!.reason,
    "member certificate for etcd-1, asked by task etcd-1 h1 31000 31001, valid until " +
      "2030-01-01T00:00:00.000Z",
  );
  assert.deepEqual(events[0]!.fields, {
    certificate: "member",
    subject: "etcd-1",
    serial: "0a1b",
    notAfter: "2030-01-01T00:00:00.000Z",
    names: "h1,127.0.0.1",
  });
  ops.recordEvent("backup.failed", "the store refused the upload", { store: "s3://b/p" });
  assert.equal(
    ops.admin.events!.list({ kind: "backup" })[0]?.reason,
    "the store refused the upload",
  );
  assert.equal(ops.admin.maintenance!.counters().defragmentations, 0);
  await ops.stop();
});
