/**
 * Why the master ended the framework, said so an operator knows what to do (pure): each
 * error the scheduler client stops with maps to one log line and exit 1.
 *
 * @module
 */
import {
  FrameworkError,
  FrameworkRemovedError,
  MesosAuthenticationError,
} from "../lib/mesos/client_errors.ts";

/** The log line for an ending, or undefined for an error that is not one (a bug: rethrow). */
export function describeEnding(
  error: unknown,
  frameworkIdNode: string | undefined,
): { message: string; fields: Record<string, unknown> } | undefined {
  if (error instanceof FrameworkRemovedError) {
    return {
      message: "Mesos has removed this framework (torn down, or its failover timeout expired): " +
        "its tasks are gone. Not registering a new framework by myself; to start a new " +
        `cluster, delete ZooKeeper node ${
          frameworkIdNode ?? "(none: ephemeral)"
        } or use another --framework-name`,
      fields: { frameworkId: error.frameworkId, message: error.mesosMessage },
    };
  }
  if (error instanceof MesosAuthenticationError) {
    return {
      message: "Mesos refused to authenticate the scheduler: check " +
        "--mesos-authentication-principal and --mesos-authentication-secret-file",
      fields: { principal: error.principal, master: error.url, status: error.status },
    };
  }
  if (error instanceof FrameworkError) {
    return {
      message: "the master ended the framework's subscription",
      fields: { frameworkId: error.frameworkId, message: error.mesosMessage },
    };
  }
  return undefined;
}
