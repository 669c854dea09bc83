import assert from "node:assert/strict";
import {
  encodeCertificateReply,
  encodeCertificateRequest,
  messageKind,
  parseCertificateReply,
  parseCertificateRequest,
} from "./certificates.ts";
import { encodeMaintenanceOrder } from "./orders.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

Deno.test("certificate requests and replies round-trip", () => {
  const req = {
    kind: "csr" as const,
    id: "c-1",
    taskId: "t",
    csr: "-----BEGIN CERTIFICATE REQUEST-----",
    ips: ["10.0.0.1", "::1"],
  };
  assert.deepEqual(parseCertificateRequest(encodeCertificateRequest(req)), req);
  const reply = {
    kind: "certificate" as const,
    id: "c-1",
    taskId: "t",
    ok: true,
    certificate: "C",
    ca: "A",
    message: "signed",
  };
  assert.deepEqual(parseCertificateReply(encodeCertificateReply(reply)), reply);
  const refused = { kind: "certificate" as const, id: "c", taskId: "t", ok: false, message: "no" };
  assert.deepEqual(parseCertificateReply(encodeCertificateReply(refused)), refused);
});

Deno.test("messageKind() tells requests, replies and orders apart", () => {
  assert.equal(messageKind(enc({ kind: "csr" })), "csr");
  assert.equal(messageKind(enc({ kind: "certificate" })), "certificate");
  assert.equal(messageKind(encodeMaintenanceOrder({ op: "stop" })), undefined);
  assert.equal(messageKind(new Uint8Array([0xff])), undefined);
});

Deno.test("parseCertificateRequest() names the bad field", () => {
  const good = { kind: "csr", id: "c", taskId: "t", csr: "x", ips: [] };
  assert.throws(() => parseCertificateRequest(enc({ ...good, csr: "" })), /"csr" ""/);
  assert.throws(() => parseCertificateRequest(enc({ ...good, ips: ["a b"] })), /"ips"/);
  assert.throws(() => parseCertificateRequest(enc({ ...good, kind: "x" })), /"kind" "x"/);
  assert.throws(
    () =>
      parseCertificateReply(
        enc({ kind: "certificate", id: "c", taskId: "t", ok: true, message: "" }),
      ),
    /"certificate"/,
  );
});
