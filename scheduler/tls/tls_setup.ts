/**
 * The scheduler's TLS, wired once at start under `--tls`: the CA (see ca_source.ts), the
 * scheduler's own client identity for etcd, a server identity for `--admin-tls`, the signer
 * of members' CSRs, and what the admin API offers (`/ca.pem`, `POST /certificates`).
 *
 * @module
 */
import { type Clock, systemClock } from "../../lib/clock.ts";
import type { Logger } from "../../lib/log.ts";
import { message, type SchedulerCall } from "../../lib/mesos/calls.ts";
import type { CertificateAuthority } from "../../lib/tls/authority.ts";
import { parseZkUrl, type ZkAuth } from "../../lib/zk/url.ts";
import { encodeCertificateReply, parseCertificateRequest } from "../../contract/certificates.ts";
import type { AdminTls } from "../admin/handler.ts";
import type { Config } from "../config.ts";
import type { MemberRecord } from "../core/state.ts";
import { caNode, type CaSource, loadCa } from "./ca_source.ts";
import { CertificateEvents } from "./certificate_events.ts";
import { MemberSigner } from "./member_signing.ts";
import { OwnIdentity } from "./own_identity.ts";
import { signRequested } from "./request_signing.ts";

/** Everything TLS the scheduler runs with. */
export interface SchedulerTls {
  ca: CertificateAuthority;
  events: CertificateEvents;
  /** The scheduler's client identity towards etcd (renewed). */
  client: OwnIdentity;
  /** With `--admin-tls`: the admin API's certificate and key (PEM). */
  adminServe?: { cert: string; key: string };
  /** What the admin API offers. */
  admin: AdminTls;
  /**
   * Answers an executor's `csr` MESSAGE: signs it when it comes from one of `members`' own
   * executors and sends the reply back through `call`.
   */
  answer(
    request: { agentId: string; executorId: string; data: Uint8Array },
    members: readonly MemberRecord[],
    call: (call: SchedulerCall) => Promise<unknown>,
  ): Promise<void>;
  stop(): void;
}

/**
 * Where the CA is for `c`.
 *
 * @throws {TypeError} when the CA would go to ZooKeeper without a digest identity.
 */
export async function caSourceOf(c: Config): Promise<CaSource> {
  const t = c.tls;
  if (t.caCertFile !== undefined && t.caKeyFile !== undefined) {
    return { kind: "files", certFile: t.caCertFile, keyFile: t.caKeyFile };
  }
  if (c.ephemeral || c.zkFrameworkPersist === undefined) return { kind: "dir", dir: t.dir };
  let auth: ZkAuth | undefined = parseZkUrl(c.zkFrameworkPersist).auth;
  if (t.zkAuthFile !== undefined) {
    const text = (await Deno.readTextFile(t.zkAuthFile).catch((e) => {
      throw new TypeError(
        `Cannot read --tls-zk-auth-file ${JSON.stringify(t.zkAuthFile)}: ${e.message}`,
      );
    })).trim();
    const colon = text.indexOf(":");
    if (colon <= 0) {
      throw new TypeError(
        `Cannot use --tls-zk-auth-file ${JSON.stringify(t.zkAuthFile)}: expected user:password`,
      );
    }
    auth = { user: text.slice(0, colon), pass: text.slice(colon + 1) };
  }
  if (auth === undefined) {
    throw new TypeError(
      "Cannot keep the CA in ZooKeeper without a digest identity: give --tls-zk-auth-file, " +
        "credentials in --zk-framework-persist (zk://user:pass@host:port/path), or your own CA " +
        "with --tls-ca-cert/--tls-ca-key",
    );
  }
  return {
    kind: "zookeeper",
    zk: c.zkFrameworkPersist,
    node: caNode(c.zkFrameworkPersist, c.frameworkName),
    auth,
  };
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$/;

/** Sets up the scheduler's TLS; `address` is the scheduler's host (for `--admin-tls`). */
export async function setupTls(
  c: Config,
  options: { address: string; logger: Logger; clock?: Clock },
): Promise<SchedulerTls> {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: "tls" });
  const source = await caSourceOf(c);
  const { ca } = await loadCa(source, {
    frameworkName: c.frameworkName,
    now: clock.now(),
    logger: log,
  });
  log.info("framework CA loaded", { subject: ca.subject, from: source.kind });
  const events = new CertificateEvents(log);
  const client = await OwnIdentity.issue({
    ca,
    commonName: "etcd-mesos-scheduler",
    usages: ["clientAuth"],
    validityMs: c.tls.certValidityMs,
    clock,
    events,
    logger: log,
  });
  let adminServe: SchedulerTls["adminServe"];
  let adminIdentity: OwnIdentity | undefined;
  if (c.tls.adminTls) {
    const names = [options.address, "localhost"];
    adminIdentity = await OwnIdentity.issue({
      ca,
      commonName: "etcd-mesos-scheduler-admin",
      usages: ["serverAuth"],
      dnsNames: [...new Set(names.filter((n) => !IP.test(n)))],
      ips: [...new Set([...names.filter((n) => IP.test(n)), "127.0.0.1"])],
      // Deno.serve keeps the certificate it started with: a year (within the CA's life).
      validityMs: 365 * 86_400_000,
      clock,
      events,
      logger: log,
    });
    adminIdentity.stop();
    adminServe = { cert: adminIdentity.current().certPem, key: adminIdentity.current().keyPem };
  }
  const signer = new MemberSigner({
    ca,
    validityMs: c.tls.certValidityMs,
    now: () => clock.now(),
    events,
    logger: log,
  });
  return {
    ca,
    events,
    client,
    adminServe,
    admin: {
      caPem: () => ca.trustPem,
      sign: (r) => signRequested(ca, events, { ...r, now: clock.now() }),
      events: () => events.view(),
    },
    async answer(request, members, call) {
      let parsed;
      try {
        parsed = parseCertificateRequest(request.data);
      } catch (error) {
        log.warn("unreadable certificate request", { executor: request.executorId, error });
        return;
      }
      const source = { agentId: request.agentId, executorId: request.executorId };
      try {
        const reply = await signer.answer(parsed, source, members);
        await call(message(source, encodeCertificateReply(reply)));
      } catch (error) {
        // E.g. the scheduler is stopping: the executor asks again.
        log.warn("cannot answer the certificate request", { task: parsed.taskId, error });
      }
    },
    stop() {
      client.stop();
    },
  };
}
