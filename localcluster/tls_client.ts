/**
 * `deno task start --tls`: the scheduler runs with its CA in `<work>/tls` and an admin token
 * of the launcher's own (unless one was given), and once the cluster is ready the launcher
 * asks `POST /certificates` for a client certificate, writes it with its key into
 * `<work>/client/` and prints the matching `etcdctl` line.
 *
 * @module
 */
import { createCsr } from "../lib/tls/csr.ts";
import { type TlsMaterial, type TlsPaths, tlsPaths, writeTlsFiles } from "../lib/tls/files.ts";
import { generateKeyPair, privateKeyPem } from "../lib/tls/keys.ts";
import type { Config } from "../scheduler/config.ts";

/** The launcher's TLS preparations. */
export interface LocalTls {
  /** Flags added to the scheduler's. */
  args: string[];
  /** The admin token `POST /certificates` is sent with. */
  token: string;
}

/** Prepares `--tls`: a token file in `work` unless the user gave a token, and `--tls-dir`. */
export async function prepareLocalTls(
  scheduler: Config,
  given: readonly string[],
  work: string,
): Promise<LocalTls> {
  const args: string[] = [];
  if (!given.some((a) => /^--?tls-dir(=|$)/.test(a))) args.push(`--tls-dir=${work}/tls`);
  let token = scheduler.adminToken;
  if (token === undefined && scheduler.adminTokenFile !== undefined) {
    token = (await Deno.readTextFile(scheduler.adminTokenFile)).trim();
  }
  if (token === undefined) {
    token = crypto.randomUUID().replaceAll("-", "");
    const file = `${work}/admin-token`;
    await Deno.writeTextFile(file, token, { mode: 0o600 });
    args.push(`--admin-token-file=${file}`);
  }
  return { args, token };
}

/** What {@linkcode requestClientIdentity} asks for. */
export interface ClientIdentityRequest {
  /** The certificate's common name. */
  commonName: string;
  /** Validity in days (`?days=`); default the scheduler's. */
  days?: number;
}

/**
 * A client identity signed by the scheduler at `adminUrl`: a new key pair, its CSR sent to
 * `POST /certificates` with `token`, and the cluster's CA from `/ca.pem`.
 *
 * @throws {Error} naming the URL and the answer when the certificate is refused.
 */
export async function requestClientIdentity(
  adminUrl: string,
  token: string,
  request: ClientIdentityRequest,
): Promise<TlsMaterial> {
  const keys = await generateKeyPair();
  const csr = await createCsr(keys, { commonName: request.commonName });
  const query = request.days === undefined ? "" : `?days=${request.days}`;
  const res = await fetch(`${adminUrl}/certificates${query}`, {
    method: "POST",
    body: csr,
    headers: { authorization: `Bearer ${token}` },
  });
  const certPem = await res.text();
  if (!res.ok) throw new Error(`POST ${adminUrl}/certificates answered ${res.status}: ${certPem}`);
  const caPem = await (await fetch(`${adminUrl}/ca.pem`)).text();
  return { caPem, certPem, keyPem: await privateKeyPem(keys.privateKey) };
}

/** Gets a client certificate from the admin API at `adminUrl` into `<work>/client/`. */
export async function writeClientCertificate(
  adminUrl: string,
  token: string,
  work: string,
): Promise<TlsPaths> {
  const identity = await requestClientIdentity(adminUrl, token, {
    commonName: "etcd-mesos-local-client",
  });
  const dir = `${work}/client`;
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = tlsPaths(dir);
  await writeTlsFiles(paths, identity);
  return paths;
}

/** The `etcdctl` line for `endpoints` with the client files at `paths`. */
export function etcdctlLine(endpoints: readonly string[], paths: TlsPaths): string {
  return `etcdctl --endpoints=${endpoints.join(",")} --cacert=${paths.caFile} ` +
    `--cert=${paths.certFile} --key=${paths.keyFile} endpoint health`;
}
