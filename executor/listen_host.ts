/**
 * The address etcd listens on, derived from the host it advertises.
 *
 * @module
 */

/** etcd listens on the advertised host when it is an IP literal, else on every address. */
export function defaultListenHost(host: string): string {
  if (host === "localhost") return "127.0.0.1";
  const bare = host.replace(/^\[|\]$/g, "");
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) || bare.includes(":") ? bare : "0.0.0.0";
}
