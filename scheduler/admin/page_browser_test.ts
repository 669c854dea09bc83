/**
 * The status page in a real browser: headless Chromium (Debian's `chromium`, installed by
 * scripts/setup.sh) driven over the DevTools protocol, against a running scheduler probing a
 * real etcd that was filled until NOSPACE and repaired by the maintainer. Set
 * `PAGE_SCREENSHOT=/path.png` to keep a picture of the page.
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../../lib/until.ts";
import { fillUntilNospace } from "../../lib/etcd/testing/fill_etcd.ts";
import { findChromium, launchChromium } from "./testing/chromium.ts";
import { startLiveAdmin } from "./testing/live_admin.ts";

const chromium = findChromium();
if (chromium === undefined) {
  // deno-lint-ignore no-console
  console.error(
    "page_browser_test: SKIPPED: Chromium is not installed (scripts/setup.sh installs " +
      "Debian's chromium as root; or set CHROMIUM_BIN)",
  );
}

interface Row {
  member: string;
  cells: string[];
}

Deno.test({
  name:
    "status page in Chromium: members table, SVG charts and events timeline from a running scheduler",
  ignore: chromium === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const live = await startLiveAdmin({
    etcdArgs: ["--quota-backend-bytes=2097152"],
    frameworkName: "browser<test>",
  });
  const browser = await launchChromium({ binary: chromium });
  try {
    await until(() => live.shell.health().healthy, { timeoutMs: 20_000, what: "healthy" });
    await fillUntilNospace(live.etcd.clientUrl);
    await until(() => live.events.list({ kind: "disarm" }).length === 1, {
      timeoutMs: 20_000,
      what: "NOSPACE handled",
    });
    await until(() => live.samples.samples().length >= 3, { timeoutMs: 10_000, what: "samples" });

    const page = await browser.newPage();
    await page.navigate(live.url);
    await page.waitFor(`document.body.dataset.refreshed >= 1`);
    assert.equal(await page.evaluate("document.title"), "etcd-mesos: browser<test>");

    // The members table.
    const rows = await page.evaluate<Row[]>(`[...document.querySelectorAll("#members tbody tr")]
      .map((tr) => ({ member: tr.dataset.member, cells: [...tr.cells].map((td) => td.textContent) }))`);
    assert.equal(rows.length, 1);
    const [name, host, role, health, task, raft, db, inUse] = rows[0]!.cells;
    assert.equal(rows[0]!.member, "etcd-1");
    assert.equal(name, "etcd-1");
    assert.equal(host, `127.0.0.1:${new URL(live.etcd.clientUrl).port}`);
    assert.equal(role, "leader");
    assert.equal(health, "healthy");
    assert.equal(task, "TASK_RUNNING");
    assert.ok(Number(raft) > 10, `raft index ${raft}`);
    assert.match(db!, /^\d+(\.\d)? (KiB|MiB)$/);
    assert.match(inUse!, /^\d+(\.\d)? (B|KiB|MiB)$/);
    assert.equal(
      await page.evaluate(`document.getElementById("health").textContent`),
      "cluster is healthy",
    );

    // The charts: inline SVG drawn by the scheduler, one line per member.
    for (const id of ["chart-raft", "chart-db"]) {
      const chart = await page.evaluate<{ lines: string[]; points: number; title: string }>(
        `(() => {
        const svg = document.querySelector("#${id} svg");
        const lines = [...svg.querySelectorAll("polyline.series")];
        return {
          lines: lines.map((l) => l.dataset.series),
          points: lines[0].points.numberOfItems,
          title: svg.querySelector("title").textContent,
        };
      })()`,
      );
      assert.deepEqual(chart.lines, ["etcd-1"], id);
      assert.ok(chart.points >= 3, `${id}: ${chart.points} points`);
      assert.match(chart.title, /last 60 minutes$/);
    }
    const box = await page.evaluate<{ width: number; height: number }>(
      `(() => { const r = document.querySelector("#chart-db svg").getBoundingClientRect(); return { width: r.width, height: r.height }; })()`,
    );
    assert.ok(box.width >= 600 && box.height >= 200, `the chart is drawn: ${JSON.stringify(box)}`);

    // The events timeline, newest first.
    const timeline = await page.evaluate<{ kind: string; reason: string }[]>(
      `[...document.querySelectorAll("#events li.event")].map((li) => ({ kind: li.dataset.kind, reason: li.querySelector(".reason").textContent }))`,
    );
    assert.deepEqual(timeline.map((e) => e.kind).slice(0, 4), [
      "disarm",
      "defrag",
      "compact",
      "nospace.detected",
    ]);
    assert.match(timeline[3]!.reason, /NOSPACE \(space quota exhausted\) on etcd-1/);
    assert.equal(
      await page.evaluate(
        `document.querySelector('#events li[data-kind="defrag"] .member').textContent`,
      ),
      "etcd-1: ",
      "the member an event is about is named",
    );

    // It refreshes by itself and picks up new events.
    live.events.record("backup", "a backup recorded while the page is open");
    await page.waitFor(
      `document.querySelector("#events li.event")?.dataset.kind === "backup"`,
      10_000,
    );
    const screenshot = Deno.env.get("PAGE_SCREENSHOT");
    if (screenshot) await page.screenshot(screenshot);
  } finally {
    await browser.close();
    await live.stop();
  }
});
