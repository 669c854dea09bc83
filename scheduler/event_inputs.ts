/**
 * The one table from a master's event to the core's inputs (pure), in the manner of
 * mesos-go's event handler tables: each event type names what it means for the core, and
 * an event that means nothing says why. Malformed parts are reported, never thrown.
 *
 * @module
 */
import type { SchedulerEvent } from "../lib/mesos/types.ts";
import type { Input } from "./core/inputs.ts";
import { outcomeFromMessage, outcomeFromStatus } from "./order_outcomes.ts";
import { messageKind } from "../contract/certificates.ts";

/** What one event means: inputs for the core, and what could not be read (for the log). */
export interface EventInputs {
  inputs: Input[];
  /** A part of the event that was unreadable: where it came from and why. */
  unreadable?: { what: string; error: unknown; fields: Record<string, unknown> };
  /** The master said something worth logging that is no input (ERROR). */
  error?: string;
  /**
   * An executor asks for its member's TLS certificate (a `csr` MESSAGE): no core input, the
   * shell hands it to the certificate signer with who sent it.
   */
  certificateRequest?: { agentId: string; executorId: string; data: Uint8Array };
}

type Handler = (event: SchedulerEvent) => EventInputs;

const none: Handler = () => ({ inputs: [] });

/** An order outcome carried by a MESSAGE or an UPDATE, read without throwing. */
function withOutcome(
  inputs: Input[],
  what: string,
  parse: () => Input | undefined,
  fields: Record<string, unknown> = {},
): EventInputs {
  try {
    const outcome = parse();
    return { inputs: outcome === undefined ? inputs : [...inputs, outcome] };
  } catch (error) {
    return { inputs, unreadable: { what, error, fields } };
  }
}

/** Every scheduler event type and its meaning for the core. */
export const EVENT_INPUTS: Record<SchedulerEvent["type"], Handler> = {
  // SUBSCRIBED arrives as the client's `connected` notice (with the stream id).
  SUBSCRIBED: none,
  OFFERS: (e) => ({ inputs: [{ type: "offers", offers: e.offers?.offers ?? [] }] }),
  RESCIND: (e) => ({
    inputs: e.rescind ? [{ type: "rescind", offerId: e.rescind.offer_id.value }] : [],
  }),
  UPDATE: (e) => {
    if (!e.update) return { inputs: [] };
    const status = e.update.status;
    return withOutcome(
      [{ type: "status", status }],
      "executor update is not an order outcome",
      () => outcomeFromStatus(status),
    );
  },
  MESSAGE: (e) => {
    if (!e.message) return { inputs: [] };
    const m = e.message;
    if (messageKind(m.data) === "csr") {
      return {
        inputs: [],
        certificateRequest: {
          agentId: m.agent_id.value,
          executorId: m.executor_id.value,
          data: m.data,
        },
      };
    }
    return withOutcome(
      [],
      "executor message is not an order outcome",
      () => outcomeFromMessage(m.data),
      {
        agent: m.agent_id.value,
        executor: m.executor_id.value,
        data: new TextDecoder().decode(m.data).slice(0, 500),
      },
    );
  },
  FAILURE: (e) => {
    const agentId = e.failure?.agent_id?.value;
    if (agentId === undefined) return { inputs: [] };
    return { inputs: [{ type: "failure", agentId, executorId: e.failure?.executor_id?.value }] };
  },
  ERROR: (e) => ({ inputs: [], error: e.error?.message ?? "(no message)" }),
  // Liveness is the client's business (its watchdog); the core has no use for it.
  HEARTBEAT: none,
  // Not requested by this framework (no inverse offers, no operation feedback).
  INVERSE_OFFERS: none,
  RESCIND_INVERSE_OFFER: none,
  UPDATE_OPERATION_STATUS: none,
  UNKNOWN: none,
};

/** The meaning of `event`; an unknown type (a newer master) means nothing. */
export function inputsOfEvent(event: SchedulerEvent): EventInputs {
  const handler = Object.hasOwn(EVENT_INPUTS, event.type) ? EVENT_INPUTS[event.type] : none;
  return handler(event);
}
