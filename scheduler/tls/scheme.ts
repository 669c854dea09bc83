/**
 * The URL scheme is a transport detail the decision core does not need: it plans with
 * `http://` URLs, and with `--tls` these translate them at the edges — the member config in
 * each TaskInfo gets `https://` URLs and `tls`, a learner is added with its `https://` peer
 * URL, and every membership etcd reports comes back to the core with `http://` URLs. So the
 * core matches members by peer URL the same way with or without TLS.
 *
 * @module
 */
import type { EtcdAdmin, EtcdMember } from "../../lib/etcd/admin.ts";
import type { MemberLaunch } from "../core/effects.ts";

const toHttps = (url: string) => url.replace(/^http:\/\//, "https://");
const toHttp = (url: string) => url.replace(/^https:\/\//, "http://");

/** The launch with `https://` URLs in its member config and `tls` set. */
export function withTls(launch: MemberLaunch): MemberLaunch {
  const initialCluster = launch.config.initialCluster.split(",").map((entry) => {
    const eq = entry.indexOf("=");
    return eq < 0 ? entry : `${entry.slice(0, eq)}=${toHttps(entry.slice(eq + 1))}`;
  }).join(",");
  return { ...launch, config: { ...launch.config, initialCluster, tls: true } };
}

function plain(m: EtcdMember): EtcdMember {
  return { ...m, peerUrls: m.peerUrls.map(toHttp), clientUrls: m.clientUrls.map(toHttp) };
}

/**
 * `etcd` as the core sees it under TLS: peer URLs given as `http://` are added as
 * `https://`, and every member listed comes back with `http://` URLs. Every other call goes
 * to `etcd` unchanged.
 */
export function tlsSchemeAdmin<T extends EtcdAdmin>(etcd: T): T {
  const overrides: Partial<EtcdAdmin> = {
    memberList: async (options) => (await etcd.memberList(options)).map(plain),
    addLearner: async (peerUrls, options) => {
      const r = await etcd.addLearner(peerUrls.map(toHttps), options);
      return { ...r, member: plain(r.member), members: r.members.map(plain) };
    },
    promote: async (id, options) => (await etcd.promote(id, options)).map(plain),
    remove: async (id, options) => (await etcd.remove(id, options)).map(plain),
  };
  return new Proxy(etcd, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && Object.hasOwn(overrides, prop)) {
        return overrides[prop as keyof EtcdAdmin];
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
