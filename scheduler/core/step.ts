/**
 * The scheduler's pure decision core: `step(state, input, now) -> { state, effects }`.
 *
 * It never awaits, logs, reads the clock or draws random numbers: names and ids derive from
 * the inputs, `now` and counters in the state, and logging is an effect. The shell performs
 * the effects in order and feeds their results back as inputs.
 *
 * @example
 * ```ts
 * let state = initialState({ clusterSize: 3 });
 * const r = step(state, { type: "subscribed", frameworkId: "fw-1" }, Date.now());
 * state = r.state; // r.effects: persistFrameworkId, reconcile, log...
 * ```
 *
 * @module
 */
import { afterInput } from "./after_input.ts";
import { onResize } from "./resize.ts";
import {
  onLeaderMoved,
  onRollingOutcome,
  onRollingRestartLoaded,
  onRollingRestartRequest,
  withChosenEtcd,
} from "./rolling_restart.ts";
import type { Ctx } from "./context.ts";
import type { StepResult } from "./effects.ts";
import type { Input } from "./inputs.ts";
import { onOffers, onRescind } from "./offers.ts";
import { onEtcdResult, onProbe } from "./on_etcd.ts";
import { onDisconnected, onFailure, onStatus, onSubscribed } from "./on_mesos.ts";
import { onOrderOutcome } from "./reseed_orders.ts";
import { onAdminReseed } from "./reseed_trigger.ts";
import { onBackupsKnown, onRestoreOutcome, onRestoreRequest } from "./restore.ts";
import type { State } from "./state.ts";
import { noteVolumeStatus, onReplaceMember, onVolumesKnown } from "./volume_relaunch.ts";

/**
 * Applies one input at time `now` (ms since the epoch). `state` is not modified; the new
 * state is returned with the effects to perform, in order.
 *
 * @throws {RangeError} naming `now` when it is not a finite number.
 */
export function step(state: State, input: Input, now: number): StepResult<State> {
  if (!Number.isFinite(now)) throw new RangeError(`Cannot step at time ${now}: expected ms`);
  const ctx: Ctx = { s: structuredClone(state), fx: [], now };
  switch (input.type) {
    case "subscribed":
      onSubscribed(ctx, input.frameworkId, input.newFramework);
      break;
    case "disconnected":
      onDisconnected(ctx, input.reason);
      break;
    case "offers":
      onOffers(ctx, input.offers);
      break;
    case "rescind":
      onRescind(ctx, input.offerId);
      break;
    case "status":
      onStatus(ctx, input.status);
      noteVolumeStatus(ctx, input.status);
      break;
    case "failure":
      onFailure(ctx, input.agentId, input.executorId);
      break;
    case "probe":
      onProbe(ctx, input);
      break;
    case "etcdResult":
      onEtcdResult(ctx, input);
      break;
    case "resize":
      onResize(ctx, input.size, input.requestId);
      break;
    case "admin":
      onAdminReseed(ctx, input.requestId);
      break;
    case "orderOutcome":
      onOrderOutcome(ctx, input);
      onRestoreOutcome(ctx, input);
      onRollingOutcome(ctx, input);
      break;
    case "rollingRestart":
      onRollingRestartRequest(ctx, input);
      break;
    case "leaderMoved":
      onLeaderMoved(ctx, input);
      break;
    case "rollingRestartLoaded":
      onRollingRestartLoaded(ctx, input.record);
      break;
    case "backups":
      onBackupsKnown(ctx, input);
      break;
    case "restore":
      onRestoreRequest(ctx, input);
      break;
    case "volumesKnown":
      onVolumesKnown(ctx, input.records);
      break;
    case "replaceMember":
      onReplaceMember(ctx, input.name, input.requestId);
      break;
    case "tick":
      break;
    default: {
      const never: never = input;
      throw new TypeError(`Cannot step with input ${JSON.stringify(never)}`);
    }
  }
  afterInput(ctx);
  withChosenEtcd(ctx);
  return { state: ctx.s, effects: ctx.fx };
}
