/**
 * Connection options of the `npm:etcd3` (gRPC) clients of tests and the chaos script; the
 * scheduler talks to etcd over the JSON gateway (gateway.ts). Test-only.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IOptions } from "etcd3";
import type { TlsMaterial } from "../../tls/files.ts";

/**
 * gRPC channel options of every `npm:etcd3` client we open. Retries are off: a call that cannot
 * start on a connection that just broke (an etcd restarting on the same port) is otherwise
 * retried "transparently" by grpc-js with no limit and no delay, in microtasks, so on Deno
 * the broken session is never destroyed (that waits for `setImmediate`) and the process
 * spins forever with its event loop starved. Our callers already own every retry.
 */
export const GRPC_CHANNEL_OPTIONS = { "grpc.enable_retries": 0 } as const;

/**
 * Node's TLS (Deno's too) refuses an IP address as the server name, so a member reached by
 * IP is verified under the name `localhost`, which every member certificate carries; the
 * chain to the cluster's CA is verified as ever.
 */
const IP_NAME_OVERRIDE = { "grpc.ssl_target_name_override": "localhost" };

/**
 * The `npm:etcd3` connection options for the member at `endpoint` (`host:port`): our
 * {@linkcode GRPC_CHANNEL_OPTIONS}, and with `tls` its CA, certificate and key, and for an IP
 * endpoint the name `localhost` to verify (see above).
 */
export function etcd3Options(endpoint: string, tls?: TlsMaterial): Partial<IOptions> {
  return tls ? etcd3TlsOptions(endpoint, tls) : { grpcOptions: { ...GRPC_CHANNEL_OPTIONS } };
}

/** {@linkcode etcd3Options} with TLS: what a client presenting `tls` to `endpoint` needs. */
export function etcd3TlsOptions(endpoint: string, tls: TlsMaterial): Partial<IOptions> {
  return {
    grpcOptions: { ...GRPC_CHANNEL_OPTIONS, ...(isIpLiteral(endpoint) ? IP_NAME_OVERRIDE : {}) },
    credentials: {
      rootCertificate: Buffer.from(tls.caPem),
      privateKey: Buffer.from(tls.keyPem),
      certChain: Buffer.from(tls.certPem),
    },
  };
}

function isIpLiteral(endpoint: string): boolean {
  const host = endpoint.slice(0, endpoint.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
