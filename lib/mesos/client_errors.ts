/**
 * Errors the Mesos API clients raise. Each carries the data a caller needs to decide
 * what to do (status and body, the master's message, the framework id).
 *
 * @module
 */

/** A master or agent refused a call (4xx, or 5xx after retries); `body` is its plain-text reason. */
export class MesosApiError extends Error {
  /** @param what the call that failed, e.g. `"ACKNOWLEDGE"`. */
  constructor(
    readonly status: number,
    readonly body: string,
    readonly url: string,
    what = "call",
  ) {
    super(`Mesos answered ${status} to ${what} at ${url}${body ? `: ${body}` : ""}`);
    this.name = "MesosApiError";
  }
}

/**
 * The master refused the client's HTTP credentials (401): a wrong principal or secret, or
 * none sent where authentication is required. Retrying with the same credentials is futile.
 * The message names the principal, never the secret.
 */
export class MesosAuthenticationError extends Error {
  constructor(
    /** The principal that was refused; undefined when no credentials were sent. */
    readonly principal: string | undefined,
    readonly url: string,
    readonly status = 401,
  ) {
    super(
      principal === undefined
        ? `Mesos at ${url} requires authentication (${status}) and no credentials were sent`
        : `Mesos at ${url} refused the credentials of principal ${
          JSON.stringify(principal)
        } (${status}): wrong principal or secret`,
    );
    this.name = "MesosAuthenticationError";
  }
}

/** A call was made while no subscription is active (no stream id to send it with). */
export class NotSubscribedError extends Error {
  constructor(what: string) {
    super(`Cannot send ${what}: the client is not subscribed`);
    this.name = "NotSubscribedError";
  }
}

/** The client was closed; pending and later calls fail with this. */
export class ClientClosedError extends Error {
  constructor(what = "the Mesos client") {
    super(`${what} is closed`);
    this.name = "ClientClosedError";
  }
}

/** The master sent an ERROR event; the subscription is over and must not be retried blindly. */
export class FrameworkError extends Error {
  constructor(
    /** The master's message, verbatim. */
    readonly mesosMessage: string,
    /** The framework id the client was subscribed (or subscribing) with, if any. */
    readonly frameworkId: string | undefined,
  ) {
    super(`Mesos master sent ERROR for framework ${frameworkId ?? "(new)"}: ${mesosMessage}`);
    this.name = "FrameworkError";
  }
}

/**
 * ERROR "Framework has been removed": the framework was torn down or its failover timeout
 * expired, and its tasks are gone. Registering a new framework is the operator's call.
 */
export class FrameworkRemovedError extends FrameworkError {
  constructor(mesosMessage: string, frameworkId: string | undefined) {
    super(mesosMessage, frameworkId);
    this.name = "FrameworkRemovedError";
  }
}

/** ERROR "Framework failed over": another scheduler subscribed with the same id and won. */
export class FrameworkFailedOverError extends FrameworkError {
  constructor(mesosMessage: string, frameworkId: string | undefined) {
    super(mesosMessage, frameworkId);
    this.name = "FrameworkFailedOverError";
  }
}

/**
 * The executor lost its agent for good: without checkpointing at the first disconnection,
 * with checkpointing once the recovery timeout passed.
 */
export class AgentLostError extends Error {
  constructor(reason: string) {
    super(`Lost the Mesos agent: ${reason}`);
    this.name = "AgentLostError";
  }
}

/** Picks the {@linkcode FrameworkError} subclass for an ERROR event's message. */
export function frameworkErrorFor(
  mesosMessage: string,
  frameworkId: string | undefined,
): FrameworkError {
  if (/framework has been removed/i.test(mesosMessage)) {
    return new FrameworkRemovedError(mesosMessage, frameworkId);
  }
  if (/framework failed over/i.test(mesosMessage)) {
    return new FrameworkFailedOverError(mesosMessage, frameworkId);
  }
  return new FrameworkError(mesosMessage, frameworkId);
}
