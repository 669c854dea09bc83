import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { memoryLogger } from "../../lib/log.ts";
import { CertificateAuthority } from "../../lib/tls/authority.ts";
import { validityOf } from "../../lib/tls/validity.ts";
import { CertificateEvents } from "./certificate_events.ts";
import { OwnIdentity } from "./own_identity.ts";

Deno.test("OwnIdentity renews the scheduler's certificate at 2/3 of its life (fake clock)", async () => {
  const clock = new FakeClock(Date.UTC(2030, 0, 1));
  const logger = memoryLogger();
  const ca = await CertificateAuthority.generate("ca", {
    now: clock.now(),
    validityMs: 86_400_000,
  });
  const id = await OwnIdentity.issue({
    ca,
    commonName: "etcd-mesos-scheduler",
    usages: ["clientAuth"],
    validityMs: 120_000,
    clock,
    events: new CertificateEvents(logger),
    logger,
  });
  const first = id.current();
  const v = validityOf(first.certPem);
  assert.equal(v.notAfter, clock.now() + 120_000);
  clock.advance(79_000); // 2/3 of (60 s skew + 120 s) is 120 s after notBefore, 60 s from now
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 2));
  assert.equal(id.issued, 2);
  assert.notEqual(id.current(), first);
  assert.notEqual(id.current().certPem, first.certPem);
  id.stop();
  assert.ok(!logger.lines.some((l) => l.includes("PRIVATE KEY")));
});
