/**
 * Stand-ins around a real scheduler shell for tests and benches: a scheduler client the
 * test feeds with notices, a scripted etcd, and {@linkcode startSteadyShell}, a live shell
 * whose core has adopted a healthy cluster of `n` running members. Test and bench support.
 *
 * @module
 */
import { FakeClock } from "../../lib/clock.ts";
import type {
  AddMemberResult,
  EtcdAdmin,
  EtcdMember,
  EtcdMemberStatus,
} from "../../lib/etcd/admin.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import { AsyncQueue } from "../../lib/mesos/async_queue.ts";
import type { SchedulerCall } from "../../lib/mesos/calls.ts";
import type { SchedulerNotice } from "../../lib/mesos/scheduler_client.ts";
import type { SchedulerEvent } from "../../lib/mesos/types.ts";
import { status, TEST_OPTIONS } from "../core/testing/scenario_world.ts";
import { executorCommand } from "../../contract/executor_command.ts";
import { createSchedulerShell, type SchedulerShell, type ShellClient } from "../shell.ts";

/** The framework id the fakes subscribe with. */
export const FAKE_FRAMEWORK_ID = "6f1c2a9e-5d3b-4c1e-9a7f-0b8e2d4c6a10-0000";

/** A scheduler client whose notices the test pushes; calls are recorded and answered 202. */
export class FakeShellClient implements ShellClient {
  readonly notices = new AsyncQueue<SchedulerNotice>();
  readonly calls: SchedulerCall[] = [];

  call(call: SchedulerCall): Promise<unknown> {
    this.calls.push(call);
    return Promise.resolve({});
  }

  [Symbol.asyncIterator](): AsyncIterator<SchedulerNotice> {
    return this.notices[Symbol.asyncIterator]();
  }

  /** A SUBSCRIBED notice. */
  connected(frameworkId = FAKE_FRAMEWORK_ID): void {
    this.notices.push({
      type: "connected",
      frameworkId,
      streamId: "fake-stream",
      leader: new URL("http://127.0.0.1:5050/api/v1/scheduler"),
      subscribed: { framework_id: { value: frameworkId } },
    });
  }

  /** An event notice. */
  event(event: SchedulerEvent): void {
    this.notices.push({ type: "event", event });
  }
}

/**
 * An etcd cluster as the admin client sees it: `members` answer status calls by client
 * URL (the first voter leads); `fail()` decides whether a call fails instead.
 */
export class FakeEtcd implements EtcdAdmin {
  members: EtcdMember[] = [];
  fail: () => boolean = () => false;
  #next = 100;

  #answer<T>(value: () => T): Promise<T> {
    return this.fail() ? Promise.reject(new Error("connection refused")) : Promise.resolve(value());
  }

  /** This fake as the admin client interface the shell takes. */
  asAdmin(): EtcdAdmin {
    return this;
  }

  status(endpoint: string): Promise<EtcdMemberStatus> {
    return this.#answer(() => {
      const self = this.members.find((m) => m.clientUrls.includes(endpoint)) ?? this.members[0];
      const leader = this.members.find((m) => !m.isLearner);
      return {
        endpoint,
        memberId: self?.id ?? "1",
        leader: leader?.id ?? "0",
        raftIndex: "100",
        raftAppliedIndex: "100",
        raftTerm: "2",
        isLearner: self?.isLearner ?? false,
        dbSize: 1,
        dbSizeInUse: 1,
        version: "3.4.0",
        errors: [],
      };
    });
  }
  memberList(): Promise<EtcdMember[]> {
    return this.#answer(() => structuredClone(this.members));
  }
  addLearner(peerUrls: readonly string[]): Promise<AddMemberResult> {
    return this.#answer(() => {
      const member = {
        id: String(this.#next++),
        name: "",
        peerUrls: [...peerUrls],
        clientUrls: [],
        isLearner: true,
      };
      this.members.push(member);
      return { member, members: structuredClone(this.members), learner: true };
    });
  }
  promote(id: string): Promise<EtcdMember[]> {
    return this.#answer(() => {
      for (const m of this.members) if (m.id === id) m.isLearner = false;
      return structuredClone(this.members);
    });
  }
  remove(id: string): Promise<EtcdMember[]> {
    return this.#answer(() => {
      this.members = this.members.filter((m) => m.id !== id);
      return structuredClone(this.members);
    });
  }
  linearizableRead(): Promise<{ memberId: string; revision: string; raftTerm: string }> {
    return this.#answer(() => ({
      memberId: this.members[0]?.id ?? "1",
      revision: "1",
      raftTerm: "2",
    }));
  }
  hashKV(): Promise<never> {
    return Promise.reject(new Error("hashKV is not faked"));
  }
  setEndpoints(): void {}
  close(): void {}
}

/** Lets promise callbacks (effects answering) run. */
export const flushTasks = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** A live shell at rest and what surrounds it. */
export interface SteadyShell {
  shell: SchedulerShell;
  client: FakeShellClient;
  etcd: FakeEtcd;
  clock: FakeClock;
  /** Stops the shell and waits for it. */
  stop(): Promise<void>;
}

/**
 * A real shell (fake clock, client and etcd) that has subscribed, adopted `size` running
 * members `etcd-1..n` on agents `a1..an`, finished reconciling and probed them healthy.
 * Time only moves when the caller advances `clock`.
 */
export async function startSteadyShell(
  size = 3,
  options: { logger?: Logger } = {},
): Promise<SteadyShell> {
  const clock = new FakeClock(1_000_000);
  const client = new FakeShellClient();
  const etcd = new FakeEtcd();
  const shell = createSchedulerShell({
    client,
    etcd: etcd.asAdmin(),
    executor: {
      command: executorCommand({ executorUri: "http://x/e.tar.gz", etcdUri: "http://x/etcd" }),
    },
    core: { ...TEST_OPTIONS, clusterSize: size },
    clock,
    logger: options.logger ?? silentLogger,
    tickMs: 60_000,
  });
  const running = shell.run();
  client.connected();
  for (let i = 1; i <= size; i++) {
    const [peer, clientPort] = [31000 + 100 * i, 31001 + 100 * i];
    etcd.members.push({
      id: String(i),
      name: `etcd-${i}`,
      peerUrls: [`http://h${i}:${peer}`],
      clientUrls: [`http://h${i}:${clientPort}`],
      isLearner: false,
    });
    const taskId = `etcd-${i} h${i} ${peer} ${clientPort}`;
    client.event({
      type: "UPDATE",
      update: { status: status(taskId, "TASK_RUNNING", { agentId: `a${i}` }) },
    });
  }
  await flushTasks();
  clock.advance(1000); // reconciliation settles
  for (let i = 0; i < 5; i++) await flushTasks();
  return {
    shell,
    client,
    etcd,
    clock,
    async stop() {
      client.notices.close();
      await running;
      await shell.stop();
    },
  };
}
