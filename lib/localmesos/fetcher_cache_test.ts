import assert from "node:assert/strict";
import { cacheKey, fetchThroughCache } from "./fetcher_cache.ts";

/** A temporary directory with a counting "download" that writes `content` of a URI. */
async function withCache(
  fn: (
    dir: string,
    fetcher: { count: number; content: string; download: (d: string) => Promise<void> },
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fetcher_cache_test_" });
  const fetcher = {
    count: 0,
    content: "v1",
    async download(dest: string) {
      fetcher.count++;
      const body = fetcher.content;
      await new Promise((r) => setTimeout(r, 20)); // long enough for fetches to overlap
      await Deno.writeTextFile(dest, body);
    },
  };
  try {
    await fn(dir, fetcher);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cacheKey() differs by user and by URI", async () => {
  const a = await cacheKey("http://h/x.tgz", "root");
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, await cacheKey("http://h/x.tgz", "nobody"));
  assert.notEqual(a, await cacheKey("http://h/y.tgz", "root"));
  assert.equal(a, await cacheKey("http://h/x.tgz", "root"));
});

Deno.test("fetchThroughCache() downloads once, then copies from the cache without a refresh", async () => {
  await withCache(async (dir, f) => {
    const opts = { cacheDir: `${dir}/cache`, download: f.download };
    assert.equal(await fetchThroughCache("u", `${dir}/a`, opts), "downloaded");
    f.content = "v2";
    assert.equal(await fetchThroughCache("u", `${dir}/b`, opts), "hit");
    assert.equal(f.count, 1);
    assert.equal(await Deno.readTextFile(`${dir}/b`), "v1");
  });
});

Deno.test("fetchThroughCache() keeps one entry per user", async () => {
  await withCache(async (dir, f) => {
    const base = { cacheDir: `${dir}/cache`, download: f.download };
    await fetchThroughCache("u", `${dir}/a`, { ...base, user: "alice" });
    assert.equal(await fetchThroughCache("u", `${dir}/b`, { ...base, user: "bob" }), "downloaded");
    assert.equal(await fetchThroughCache("u", `${dir}/c`, { ...base, user: "alice" }), "hit");
    assert.equal(f.count, 2);
  });
});

Deno.test("fetchThroughCache() shares one download between overlapping fetches", async () => {
  await withCache(async (dir, f) => {
    const opts = { cacheDir: `${dir}/cache`, download: f.download };
    const outcomes = await Promise.all(
      ["a", "b", "c"].map((n) => fetchThroughCache("u", `${dir}/${n}`, opts)),
    );
    assert.deepEqual(outcomes.sort(), ["downloaded", "shared", "shared"]);
    assert.equal(f.count, 1);
    for (const n of ["a", "b", "c"]) assert.equal(await Deno.readTextFile(`${dir}/${n}`), "v1");
  });
});

Deno.test("fetchThroughCache() evicts the least recently used entry to stay within its size", async () => {
  await withCache(async (dir, f) => {
    const opts = { cacheDir: `${dir}/cache`, download: f.download, maxBytes: 5 };
    await fetchThroughCache("one", `${dir}/1`, opts); // 2 bytes each
    await new Promise((r) => setTimeout(r, 20));
    await fetchThroughCache("two", `${dir}/2`, opts);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await fetchThroughCache("one", `${dir}/1b`, opts), "hit"); // "two" is now LRU
    await new Promise((r) => setTimeout(r, 20));
    await fetchThroughCache("three", `${dir}/3`, opts);
    assert.equal(await fetchThroughCache("one", `${dir}/1c`, opts), "hit");
    assert.equal(await fetchThroughCache("two", `${dir}/2b`, opts), "downloaded");
    assert.equal(f.count, 4);
  });
});

Deno.test("fetchThroughCache() puts a file larger than the cache straight into the sandbox", async () => {
  await withCache(async (dir, f) => {
    const opts = { cacheDir: `${dir}/cache`, download: f.download, maxBytes: 1 };
    assert.equal(await fetchThroughCache("u", `${dir}/a`, opts), "uncached");
    assert.equal(await Deno.readTextFile(`${dir}/a`), "v1");
    assert.deepEqual([...Deno.readDirSync(`${dir}/cache`)], []);
  });
});

Deno.test("fetchThroughCache() falls back to a direct download when the cache dir is unusable", async () => {
  await withCache(async (dir, f) => {
    await Deno.writeTextFile(`${dir}/file`, "not a directory");
    const opts = { cacheDir: `${dir}/file/cache`, download: f.download };
    assert.equal(await fetchThroughCache("u", `${dir}/a`, opts), "uncached");
    assert.equal(await Deno.readTextFile(`${dir}/a`), "v1");
  });
});

Deno.test("fetchThroughCache() passes a download error on and caches nothing", async () => {
  await withCache(async (dir) => {
    const opts = {
      cacheDir: `${dir}/cache`,
      download: () => Promise.reject(new Error("HTTP 404 Not Found")),
    };
    await assert.rejects(fetchThroughCache("u", `${dir}/a`, opts), /HTTP 404/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/cache`)], []);
  });
});
