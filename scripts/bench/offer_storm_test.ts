import assert from "node:assert/strict";
import { ensureExecutorArtifact } from "../../localcluster/executor_artifact.ts";
import { createLogger } from "../../lib/log.ts";
import { offerStorm, peakRssKb } from "./offer_storm.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("peakRssKb reads VmHWM of this process; a missing pid gives 0", () => {
  assert.ok(peakRssKb(Deno.pid) > 1000);
  assert.equal(peakRssKb(2 ** 22 + 12345), 0);
});

Deno.test("a small offer storm: every offer answered by batched calls, none left outstanding", async () => {
  const artifact = await ensureExecutorArtifact({
    root: ROOT,
    logger: createLogger({ level: "warn" }),
  });
  const r = await offerStorm({ agents: 50, executorTar: artifact.tarball, timeoutMs: 30_000 });
  assert.ok(r.offersSent >= 50, JSON.stringify(r));
  assert.ok(r.offersAnswered + r.masterHeldAtEnd >= r.offersSent, JSON.stringify(r));
  assert.equal(r.outstanding, 0);
  // A brand-new cluster of 3 starts at once (static bootstrap): 3 offers on distinct agents.
  assert.equal(r.accepted, 3, "the 3 members are launched on 3 offers");
  assert.ok(r.declinedWithFilter >= 47);
  assert.ok(r.callsPerOffer < 1, `${r.callsTotal} calls for ${r.offersAnswered} offers`);
  assert.ok(r.schedulerPeakRssKb > 0);
});
