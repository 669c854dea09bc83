/**
 * Test support for the local master: a master on a fake clock, a minimal scheduler client
 * that reads the RecordIO event stream, call helpers, and (re-exported) the fake agent of
 * fake_agent.ts. Not used by production code.
 *
 * @module
 */
import { FakeClock } from "../../../clock.ts";
import { CONTENT_TYPE, decodeMessage, type Encoding } from "../../../mesos/encoding.ts";
import type { Plain } from "../../../mesos/plain.ts";
import { RecordIODecoder } from "../../../mesos/recordio.ts";
import { silentLogger } from "../../../log.ts";
import { createLocalMaster, type LocalMaster, type LocalMasterInit } from "../master.ts";

export * from "./fake_agent.ts";

/** A master on a fake clock (starting at `startMs`). */
export async function startTestMaster(
  init: Partial<LocalMasterInit> = {},
  startMs = 1_795_290_963_000,
): Promise<{ master: LocalMaster; clock: FakeClock }> {
  const clock = new FakeClock(startMs);
  const master = await createLocalMaster({ logger: silentLogger, clock, ...init });
  return { master, clock };
}

/** POSTs a JSON call text (or object) to the scheduler endpoint; the body is read. */
export async function postCall(
  masterUrl: string,
  call: Plain | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: typeof call === "string" ? call : JSON.stringify(call),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A subscribed test scheduler reading its event stream. */
export class TestScheduler {
  readonly response: Response;
  readonly encoding: Encoding;
  readonly streamId: string;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new RecordIODecoder();
  #records: Uint8Array[] = [];
  #ended = false;
  /** Set once SUBSCRIBED was read. */
  frameworkId = "";

  private constructor(response: Response, encoding: Encoding) {
    this.response = response;
    this.encoding = encoding;
    this.streamId = response.headers.get("Mesos-Stream-Id") ?? "";
    this.#reader = response.body!.getReader();
  }

  /** SUBSCRIBEs with `body` (a call object or raw bytes) and returns the open stream. */
  static async subscribe(
    masterUrl: string,
    body: Plain | Uint8Array,
    options: { contentType?: Encoding; accept?: string } = {},
  ): Promise<TestScheduler> {
    const contentType = options.contentType ?? "json";
    const res = await fetch(`${masterUrl}/api/v1/scheduler`, {
      method: "POST",
      headers: {
        "Content-Type": CONTENT_TYPE[contentType],
        Accept: options.accept ?? CONTENT_TYPE[contentType],
      },
      body: (body instanceof Uint8Array ? body : JSON.stringify(body)) as BodyInit,
    });
    if (res.status !== 200) {
      throw new Error(`SUBSCRIBE answered ${res.status}: ${await res.text()}`);
    }
    const type = res.headers.get("Content-Type");
    return new TestScheduler(res, type === CONTENT_TYPE.protobuf ? "protobuf" : "json");
  }

  /** The next raw record (payload bytes); rejects on timeout or end of stream. */
  async nextRecord(timeoutMs = 5000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.#records.length === 0) {
      if (this.#ended) throw new Error("Event stream ended");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No event within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left)));
      const read = this.#pending ??= this.#reader.read();
      const result = await Promise.race([read, timeout]);
      clearTimeout(timer);
      if (result === "timeout") continue;
      this.#pending = undefined;
      if (result.done) this.#ended = true;
      else this.#records.push(...this.#decoder.decode(result.value));
    }
    return this.#records.shift()!;
  }

  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  /** The next event, decoded; records SUBSCRIBED's framework id. */
  async nextEvent(timeoutMs = 5000): Promise<Plain> {
    const event = decodeMessage(
      "mesos.v1.scheduler.Event",
      await this.nextRecord(timeoutMs),
      this.encoding,
    );
    if (event.type === "SUBSCRIBED") this.frameworkId = event.subscribed.framework_id.value;
    return event;
  }

  /** The next event whose type is `type`, skipping HEARTBEATs only. */
  async expectEvent(type: string, timeoutMs = 5000): Promise<Plain> {
    for (;;) {
      const event = await this.nextEvent(timeoutMs);
      if (event.type === "HEARTBEAT" && type !== "HEARTBEAT") continue;
      if (event.type !== type) {
        throw new Error(`Expected ${type}, got ${JSON.stringify(event, replacer)}`);
      }
      return event;
    }
  }

  /** Resolves true if the stream ends within `timeoutMs` with no further record. */
  async ended(timeoutMs = 5000): Promise<boolean> {
    try {
      await this.nextRecord(timeoutMs);
      return false;
    } catch (e) {
      return (e as Error).message === "Event stream ended";
    }
  }

  /** True when no event other than HEARTBEAT arrives within `ms` (real time). */
  async quiet(ms = 100): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return true;
      let record: Uint8Array;
      try {
        record = await this.nextRecord(left);
      } catch {
        return true;
      }
      const event = decodeMessage("mesos.v1.scheduler.Event", record, this.encoding);
      if (event.type === "HEARTBEAT") continue;
      this.#records.unshift(record);
      return false;
    }
  }

  /** A JSON call with this stream's id and framework id filled in. */
  call(masterUrl: string, call: Plain): ReturnType<typeof postCall> {
    return postCall(masterUrl, { framework_id: { value: this.frameworkId }, ...call }, {
      "Mesos-Stream-Id": this.streamId,
    });
  }

  /** Closes the stream from the client side. */
  async close(): Promise<void> {
    if (this.#pending !== undefined) {
      await this.#reader.cancel().catch(() => {});
      await this.#pending.catch(() => {});
    } else await this.#reader.cancel().catch(() => {});
  }
}

function replacer(_k: string, v: unknown) {
  return v instanceof Uint8Array ? `<${v.length} bytes>` : v;
}

/** A command TaskInfo for `offer` using `cpus`/`mem` (JSON call form). */
export function commandTask(offer: Plain, taskId: string, cpus = 0.1, mem = 32): Plain {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
      { name: "mem", type: "SCALAR", scalar: { value: mem } },
    ],
    command: { value: "sleep 1000" },
  };
}

/** ACCEPTs `offer` with one LAUNCH of `tasks`; asserts nothing, returns the HTTP status. */
export async function acceptOffer(
  scheduler: TestScheduler,
  masterUrl: string,
  offer: Plain,
  tasks: Plain[],
  filters?: Plain,
): Promise<number> {
  const accept: Plain = {
    offer_ids: [offer.id],
    operations: [{ type: "LAUNCH", launch: { task_infos: tasks } }],
  };
  if (filters) accept.filters = filters;
  return (await scheduler.call(masterUrl, { type: "ACCEPT", accept })).status;
}

/** Subscribes a JSON framework with `info` overrides and reads SUBSCRIBED + HEARTBEAT. */
export async function subscribeFramework(
  masterUrl: string,
  info: Plain = {},
): Promise<TestScheduler> {
  const id = info.id;
  const call: Plain = {
    type: "SUBSCRIBE",
    subscribe: { framework_info: { user: "u", name: "n", ...info } },
  };
  if (id !== undefined) call.framework_id = id;
  const scheduler = await TestScheduler.subscribe(masterUrl, call);
  await scheduler.expectEvent("SUBSCRIBED");
  await scheduler.expectEvent("HEARTBEAT");
  return scheduler;
}
