/**
 * The FrameworkInfo the scheduler subscribes as, from its configuration and the host it
 * runs on (pure).
 *
 * @module
 */
import type { FrameworkInfo } from "../lib/mesos/types.ts";
import type { Config } from "./config.ts";
import { volumesOn } from "./volume_config.ts";

/** Facts about the host the scheduler runs on. */
export interface HostFacts {
  /** The user tasks run as (`FrameworkInfo.user`). */
  user: string;
  /** The address agents and browsers reach this scheduler at. */
  address: string;
  /** The admin API's actual port (it may have been 0). */
  adminPort: number;
}

/** `host` for use in a URL (IPv6 literals bracketed). */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The framework the scheduler subscribes as; `frameworkId` makes it a re-subscription. */
export function frameworkInfoOf(c: Config, host: HostFacts, frameworkId?: string): FrameworkInfo {
  return {
    user: host.user,
    name: c.frameworkName,
    ...(frameworkId ? { id: { value: frameworkId } } : {}),
    failover_timeout: c.failoverTimeoutSeconds,
    checkpoint: true,
    ...(c.role !== "*" ? { role: c.role } : {}),
    hostname: host.address,
    ...(c.mesosAuthenticationPrincipal ? { principal: c.mesosAuthenticationPrincipal } : {}),
    webui_url: c.frameworkWebUri ?? `http://${urlHost(host.address)}:${host.adminPort}/`,
    // Persistent volumes reserve in the refined format (the `reservations` stack).
    ...(volumesOn(c.volumes, c.role) ? { capabilities: [{ type: "RESERVATION_REFINEMENT" }] } : {}),
  };
}
