import assert from "node:assert/strict";
import { executorCommand, launcherName, shellQuote, uriBaseName } from "./executor_command.ts";

Deno.test("launcherName() strips the archive suffix of the artifact's file name", () => {
  assert.equal(
    launcherName("http://10.0.0.1:12300/etcd-mesos-executor.tar.gz"),
    "etcd-mesos-executor",
  );
  assert.equal(launcherName("/opt/dist/my-exec.tgz"), "my-exec");
  assert.equal(launcherName("file:///opt/bin/etcd-mesos-executor"), "etcd-mesos-executor");
  assert.equal(launcherName("http://h/x/exec.tar.gz?v=2"), "exec");
  assert.throws(() => launcherName("http://h/"), /"http:\/\/h\/"/);
});

Deno.test("uriBaseName() is the text after the last slash, without query or fragment", () => {
  assert.equal(uriBaseName("http://h:1/a/b.tar.gz?x=1#y"), "b.tar.gz");
  assert.equal(uriBaseName("http://h:1/a/"), "");
  assert.equal(uriBaseName("/usr/bin/etcd"), "etcd");
});

Deno.test("shellQuote() leaves plain words alone and single-quotes the rest", () => {
  assert.equal(shellQuote("-v=1"), "-v=1");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("executorCommand() fetches the artifact (extracted) and etcd (as ./etcd), runs the launcher", () => {
  const cmd = executorCommand({
    executorUri: "http://127.0.0.1:12300/etcd-mesos-executor.tar.gz",
    etcdUri: "http://127.0.0.1:12300/etcd",
    args: ["-v=1"],
  });
  assert.deepEqual(cmd, {
    uris: [
      {
        value: "http://127.0.0.1:12300/etcd-mesos-executor.tar.gz",
        executable: false,
        extract: true,
        cache: true,
      },
      {
        value: "http://127.0.0.1:12300/etcd",
        executable: true,
        extract: false,
        cache: true,
        output_file: "etcd",
      },
    ],
    shell: true,
    value: "exec ./etcd-mesos-executor -v=1",
  });
});

Deno.test("executorCommand() runs a plain executable artifact and extracts an etcd archive", () => {
  const cmd = executorCommand({
    executorUri: "/opt/bin/etcd-mesos-executor",
    etcdUri: "https://example.com/etcd-v3.4.30-linux-amd64.tar.gz",
  });
  assert.equal(cmd.uris?.[0]?.executable, true);
  assert.equal(cmd.uris?.[0]?.extract, false);
  assert.equal(cmd.uris?.[1]?.extract, true);
  assert.equal(cmd.uris?.[1]?.output_file, undefined);
  assert.equal(cmd.value, "exec ./etcd-mesos-executor");
});
