/**
 * Where the framework's CA comes from: the operator's files (`--tls-ca-cert`,
 * `--tls-ca-key`); else, for an `--ephemeral` framework, `<--tls-dir>/ca.pem` and
 * `ca-key.pem` (made on first start, the key mode 0600); else the ZooKeeper node
 * `<chroot>/<framework-name>_tls_ca`, made on first start behind a digest ACL that lets only
 * the scheduler's ZooKeeper identity read or change it. Two schedulers starting at once
 * agree on one CA: the second one's create fails and it reads the first one's.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import { CertificateAuthority } from "../../lib/tls/authority.ts";
import { writeFileAtomic } from "../../lib/tls/files.ts";
import { ZkClient } from "../../lib/zk/client.ts";
import { ZkError } from "../../lib/zk/errors.ts";
import type { ZkAuth } from "../../lib/zk/url.ts";
import { parseZkUrl } from "../../lib/zk/url.ts";

/** How long a generated CA is valid: ten years. */
export const CA_VALIDITY_MS = 10 * 365 * 86_400_000;

/** Where to find or keep the CA. */
export type CaSource =
  | { kind: "files"; certFile: string; keyFile: string }
  | { kind: "dir"; dir: string }
  | { kind: "zookeeper"; zk: string; node: string; auth: ZkAuth };

/** The CA's common name for a framework. */
export function caName(frameworkName: string): string {
  return `etcd-mesos ${frameworkName} CA`;
}

/** The ZooKeeper node of a framework's CA: `<chroot>/<name>_tls_ca`. */
export function caNode(zkUrl: string, frameworkName: string): string {
  const { chroot } = parseZkUrl(zkUrl);
  return `${chroot === "/" ? "" : chroot}/${frameworkName}_tls_ca`;
}

/**
 * Loads the CA, making it on first start where that is allowed.
 *
 * @throws {TypeError} naming the file or node whose content is not a usable CA.
 */
export async function loadCa(
  source: CaSource,
  options: { frameworkName: string; now: number; logger: Logger },
): Promise<{ ca: CertificateAuthority; created: boolean }> {
  const make = () =>
    CertificateAuthority.generate(caName(options.frameworkName), {
      now: options.now,
      validityMs: CA_VALIDITY_MS,
    });
  if (source.kind === "files") {
    const [cert, key] = await Promise.all([
      Deno.readTextFile(source.certFile),
      Deno.readTextFile(source.keyFile),
    ]);
    const ca = await CertificateAuthority.load(cert, key, `--tls-ca-cert/--tls-ca-key CA`);
    return { ca, created: false };
  }
  if (source.kind === "dir") {
    const certFile = `${source.dir}/ca.pem`;
    const keyFile = `${source.dir}/ca-key.pem`;
    const cert = await Deno.readTextFile(certFile).catch(() => undefined);
    if (cert !== undefined) {
      const key = await Deno.readTextFile(keyFile);
      return {
        ca: await CertificateAuthority.load(cert, key, `the CA in ${source.dir}`),
        created: false,
      };
    }
    const ca = await make();
    await Deno.mkdir(source.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(keyFile, await ca.privateKeyPem(), 0o600);
    await writeFileAtomic(certFile, ca.certificatePem);
    options.logger.info("generated the framework's CA", { dir: source.dir, subject: ca.subject });
    return { ca, created: true };
  }
  const { servers } = parseZkUrl(source.zk);
  const client = await ZkClient.connect(servers, {
    auth: source.auth,
    logger: options.logger,
  });
  try {
    const read = async () => {
      const { data } = await client.getData(source.node);
      const v = JSON.parse(new TextDecoder().decode(data)) as { cert?: string; key?: string };
      return await CertificateAuthority.load(
        v.cert ?? "",
        v.key ?? "",
        `the CA in ZooKeeper ${source.node}`,
      );
    };
    try {
      return { ca: await read(), created: false };
    } catch (err) {
      if (!(err instanceof ZkError) || err.code !== "NO_NODE") throw err;
    }
    const ca = await make();
    const parent = source.node.slice(0, source.node.lastIndexOf("/"));
    if (parent !== "") await client.mkdirp(parent);
    try {
      await client.createPrivate(
        source.node,
        JSON.stringify({ cert: ca.certificatePem, key: await ca.privateKeyPem() }),
      );
    } catch (err) {
      if (err instanceof ZkError && err.code === "NODE_EXISTS") {
        return { ca: await read(), created: false };
      }
      throw err;
    }
    options.logger.info("generated the framework's CA", { node: source.node, subject: ca.subject });
    return { ca, created: true };
  } finally {
    await client.close();
  }
}
