/**
 * The admin client against a real etcd 3.4 running with mutual TLS: a client certificate
 * of the cluster's CA is served; a self-signed client and plain http are refused; a leaf
 * certificate replaced on disk is used by the next connection without a restart.
 */
import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { EtcdAdminError } from "./admin_errors.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { createTestPki } from "../tls/testing/test_pki.ts";
import { writeTlsFiles } from "../tls/files.ts";

async function tlsEtcd() {
  const dir = await Deno.makeTempDir({ prefix: "etcd-tls-test-" });
  const pki = await createTestPki(dir);
  const server = await pki.issue("etcd0");
  const client = await pki.issue("client", { usages: ["clientAuth"] });
  const etcd = await startEtcd({ dir, tls: { server: server.paths, client } });
  return {
    dir,
    pki,
    server,
    client,
    etcd,
    async [Symbol.asyncDispose]() {
      await etcd.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

Deno.test("etcd over TLS: the CA's client certificate is served, https peer URLs listed", async () => {
  await using t = await tlsEtcd();
  const admin = createEtcdAdminClient({ endpoints: [t.etcd.clientUrl], tls: () => t.client });
  try {
    const s = await admin.status(t.etcd.clientUrl);
    assert.notEqual(s.memberId, "0");
    const members = await admin.memberList();
    assert.match(members[0]!.peerUrls[0]!, /^https:\/\/127\.0\.0\.1:/);
    assert.match(members[0]!.clientUrls[0]!, /^https:\/\//);
    assert.ok((await admin.linearizableRead()).revision);
  } finally {
    admin.close();
  }
});

Deno.test("etcd over TLS refuses a self-signed client and a client without certificate", async () => {
  await using t = await tlsEtcd();
  const other = await createTestPki(`${t.dir}/other`, "other");
  const stranger = await other.issue("stranger", { usages: ["clientAuth"] });
  // The stranger trusts the real CA (so the server is accepted) but brings its own certificate.
  const selfSigned = { ...stranger, caPem: t.client.caPem };
  const admin = createEtcdAdminClient({
    endpoints: [t.etcd.clientUrl],
    timeoutMs: 2000,
    tls: () => selfSigned,
  });
  try {
    await assert.rejects(() => admin.status(t.etcd.clientUrl), EtcdAdminError);
  } finally {
    admin.close();
  }
  const http = Deno.createHttpClient({ caCerts: [t.client.caPem] });
  try {
    await assert.rejects(() => fetch(`${t.etcd.clientUrl}/health`, { client: http }));
  } finally {
    http.close();
  }
});

Deno.test("etcd over TLS refuses plain http", async () => {
  await using t = await tlsEtcd();
  const plainUrl = t.etcd.clientUrl.replace("https://", "http://");
  const res = await fetch(`${plainUrl}/health`).then(
    async (r) => ({ status: r.status, body: await r.text() }),
    (e) => ({ status: 0, body: String(e) }),
  );
  assert.notEqual(res.status, 200, `plain http answered: ${res.body}`);
  const admin = createEtcdAdminClient({ endpoints: [plainUrl], timeoutMs: 2000 });
  try {
    await assert.rejects(() => admin.status(plainUrl), EtcdAdminError);
  } finally {
    admin.close();
  }
});

Deno.test("etcd over TLS: a leaf certificate replaced on disk serves the next connection, no restart", async () => {
  await using t = await tlsEtcd();
  const pid = await etcdPid(t.dir);
  const second = await createTestPki(`${t.dir}/second`, "2");
  const renewed = await second.issue("etcd0");
  await writeTlsFiles(t.server.paths, { certPem: renewed.certPem, keyPem: renewed.keyPem });
  // Trusting only the second CA now works: etcd presents the new leaf.
  const trustingNew = { ...t.client, caPem: second.ca.certificatePem };
  const admin = createEtcdAdminClient({ endpoints: [t.etcd.clientUrl], tls: () => trustingNew });
  try {
    assert.notEqual((await admin.status(t.etcd.clientUrl)).memberId, "0");
  } finally {
    admin.close();
  }
  assert.equal(await etcdPid(t.dir), pid, "etcd was not restarted");
});

async function etcdPid(dir: string): Promise<number | undefined> {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmd.includes(`--data-dir=${dir}/data`)) return Number(e.name);
    } catch {
      // gone
    }
  }
  return await Promise.resolve(undefined);
}
