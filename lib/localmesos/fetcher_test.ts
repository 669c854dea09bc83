import assert from "node:assert/strict";
import { extractionKind, FetchError, fetchUris, localName } from "./fetcher.ts";

async function sh(script: string, cwd: string): Promise<void> {
  const out = await new Deno.Command("sh", { args: ["-c", script], cwd, stderr: "piped" }).output();
  if (!out.success) throw new Error(`${script}: ${new TextDecoder().decode(out.stderr)}`);
}

async function withDirs(fn: (src: string, sandbox: string, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "fetcher_test_" });
  try {
    await Deno.mkdir(`${root}/src`);
    await Deno.mkdir(`${root}/sandbox`);
    await fn(`${root}/src`, `${root}/sandbox`, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Serves files of `dir` at `/<name>`, counting requests; 404 for missing files. */
async function withServer(dir: string, fn: (base: string, hits: () => number) => Promise<void>) {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    hits++;
    const name = decodeURIComponent(new URL(req.url).pathname.slice(1));
    try {
      return new Response(await Deno.readFile(`${dir}/${name}`));
    } catch {
      return new Response("nope", { status: 404, statusText: "Not Found" });
    }
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, () => hits);
  } finally {
    await server.shutdown();
  }
}

Deno.test("localName() takes output_file, else the text after the last slash with its query", () => {
  assert.equal(localName({ value: "http://h/a/b.tar.gz?x=1" }), "b.tar.gz?x=1");
  assert.equal(localName({ value: "/opt/x/run.sh" }), "run.sh");
  assert.equal(localName({ value: "http://h/a/b", output_file: "c/d" }), "c/d");
});

Deno.test("extractionKind() knows the Mesos archive suffixes", () => {
  for (const n of ["a.tar", "a.tgz", "a.tar.gz", "a.tbz2", "a.tar.bz2", "a.txz", "a.tar.xz"]) {
    assert.equal(extractionKind(n), "tar", n);
  }
  assert.equal(extractionKind("a.zip"), "zip");
  assert.equal(extractionKind("a.gz"), "gz");
  assert.equal(extractionKind("a.tar.gz?x=1"), undefined);
  assert.equal(extractionKind("a.txt"), undefined);
});

Deno.test("fetchUris() copies absolute paths and file:// URIs; executable gets 0755", async () => {
  await withDirs(async (src, sandbox) => {
    await Deno.writeTextFile(`${src}/plain.txt`, "hello");
    await Deno.writeTextFile(`${src}/run.sh`, "#!/bin/sh\necho hi\n");
    const done = await fetchUris([
      { value: `${src}/plain.txt` },
      { value: `file://${src}/run.sh`, executable: true },
    ], sandbox);
    assert.deepEqual(done.map((d) => d.path), [`${sandbox}/plain.txt`, `${sandbox}/run.sh`]);
    assert.equal(await Deno.readTextFile(`${sandbox}/plain.txt`), "hello");
    assert.equal((await Deno.stat(`${sandbox}/run.sh`)).mode! & 0o777, 0o755);
  });
});

Deno.test("fetchUris() extracts every tar flavour into the sandbox root and keeps the archive", async () => {
  await withDirs(async (src, sandbox) => {
    await Deno.mkdir(`${src}/pkg`);
    await Deno.writeTextFile(`${src}/pkg/inside.txt`, "packed");
    const flavours: [string, string][] = [
      ["a.tar", ""],
      ["b.tgz", "z"],
      ["c.tar.gz", "z"],
      ["d.tbz2", "j"],
      ["e.tar.bz2", "j"],
      ["f.txz", "J"],
      ["g.tar.xz", "J"],
    ];
    for (const [name, flag] of flavours) {
      await sh(`tar -c${flag}f ${name} --transform 's,^pkg,${name}-dir,' pkg`, src);
    }
    const done = await fetchUris(flavours.map(([n]) => ({ value: `${src}/${n}` })), sandbox);
    assert.ok(done.every((d) => d.extracted));
    for (const [name] of flavours) {
      assert.equal(await Deno.readTextFile(`${sandbox}/${name}-dir/inside.txt`), "packed", name);
      await Deno.stat(`${sandbox}/${name}`); // archive kept
    }
  });
});

Deno.test("fetchUris() unzips .zip and gunzips a bare .gz", async () => {
  await withDirs(async (src, sandbox) => {
    await Deno.writeTextFile(`${src}/z.txt`, "zipped");
    await Deno.writeTextFile(`${src}/g.txt`, "gzipped");
    await sh("zip -q a.zip z.txt && gzip -k g.txt", src);
    await fetchUris([{ value: `${src}/a.zip` }, { value: `${src}/g.txt.gz` }], sandbox);
    assert.equal(await Deno.readTextFile(`${sandbox}/z.txt`), "zipped");
    assert.equal(await Deno.readTextFile(`${sandbox}/g.txt`), "gzipped");
  });
});

Deno.test("fetchUris() does not extract when extract is false or executable is true", async () => {
  await withDirs(async (src, sandbox) => {
    await Deno.writeTextFile(`${src}/x.txt`, "x");
    await sh("tar -czf a.tar.gz x.txt && cp a.tar.gz b.tar.gz", src);
    const done = await fetchUris([
      { value: `${src}/a.tar.gz`, extract: false },
      { value: `${src}/b.tar.gz`, executable: true },
    ], sandbox);
    assert.deepEqual(done.map((d) => d.extracted), [false, false]);
    await assert.rejects(Deno.stat(`${sandbox}/x.txt`), Deno.errors.NotFound);
  });
});

Deno.test("fetchUris() downloads http URIs, naming them by the path with its query", async () => {
  await withDirs(async (src, sandbox) => {
    await Deno.writeTextFile(`${src}/dl.bin`, "downloaded");
    await Deno.writeTextFile(`${src}/x.txt`, "in tar");
    await sh("tar -czf pack.tgz x.txt", src);
    await withServer(src, async (base) => {
      await fetchUris([
        { value: `${base}/dl.bin?v=2` },
        { value: `${base}/pack.tgz` },
        { value: `${base}/dl.bin`, output_file: "sub/renamed" },
      ], sandbox);
    });
    assert.equal(await Deno.readTextFile(`${sandbox}/dl.bin?v=2`), "downloaded");
    assert.equal(await Deno.readTextFile(`${sandbox}/x.txt`), "in tar");
    assert.equal(await Deno.readTextFile(`${sandbox}/sub/renamed`), "downloaded");
  });
});

Deno.test("fetchUris() with cache=true downloads once per URI and serves later fetches from the cache", async () => {
  await withDirs(async (src, sandbox, root) => {
    await Deno.writeTextFile(`${src}/art.bin`, "v1");
    const cacheDir = `${root}/cache`;
    await withServer(src, async (base, hits) => {
      const uri = { value: `${base}/art.bin`, cache: true };
      const first = await fetchUris([uri], sandbox, { cacheDir });
      await Deno.writeTextFile(`${src}/art.bin`, "v2"); // no refresh: the cache wins
      await Deno.mkdir(`${root}/sandbox2`);
      const second = await fetchUris([uri], `${root}/sandbox2`, { cacheDir });
      assert.equal(hits(), 1);
      assert.deepEqual([first[0]!.fromCache, second[0]!.fromCache], [false, true]);
      assert.equal(await Deno.readTextFile(`${root}/sandbox2/art.bin`), "v1");
      await fetchUris([{ value: `${base}/art.bin` }], `${root}/sandbox2`, { cacheDir });
      assert.equal(hits(), 2);
      assert.equal(await Deno.readTextFile(`${root}/sandbox2/art.bin`), "v2");
    });
  });
});

Deno.test("fetchUris() fails with a FetchError naming the URI and the reason", async () => {
  await withDirs(async (src, sandbox) => {
    await withServer(src, async (base) => {
      await assert.rejects(
        fetchUris([{ value: `${base}/missing.tgz` }], sandbox),
        (e) =>
          e instanceof FetchError &&
          e.message === `Failed to fetch '${base}/missing.tgz': HTTP 404 Not Found`,
      );
    });
    await assert.rejects(
      fetchUris([{ value: `${src}/nothere` }], sandbox),
      (e) => e instanceof FetchError && e.message.includes(`${src}/nothere`),
    );
    await assert.rejects(
      fetchUris([{ value: "hdfs://nn/x.tgz" }], sandbox),
      /unsupported scheme "hdfs"/,
    );
    await assert.rejects(fetchUris([{ value: "relative/x" }], sandbox), /relative path/);
    await Deno.writeTextFile(`${src}/bad.tar.gz`, "not a tarball");
    await assert.rejects(
      fetchUris([{ value: `${src}/bad.tar.gz` }], sandbox),
      (e) => e instanceof FetchError && /tar exited with status/.test(e.message),
    );
    await assert.rejects(
      fetchUris([{ value: `${src}/bad.tar.gz`, output_file: "../escape" }], sandbox),
      /must be relative to the sandbox/,
    );
  });
});
