/**
 * Leader election through ZooKeeper the way Mesos masters do it: each master creates an
 * EPHEMERAL_SEQUENTIAL `<path>/json.info_<seq>` znode holding its MasterInfo as JSON with
 * alphabetically sorted keys; the lowest sequence leads; everyone watches the children.
 * A session that expires is replaced and the master contends again.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Logger } from "../../log.ts";
import { ZkClient } from "../../zk/client.ts";
import { parseZkUrl } from "../../zk/url.ts";
import { toJsonObject } from "./wire.ts";

const PREFIX = "json.info_";
const NODE = /^json\.info_(\d{10})$/;

/** What a master learns from the election. */
export interface ElectionState {
  isLeader: boolean;
  /** The leader's MasterInfo (JSON object), undefined while no leader is known. */
  leader: Plain | undefined;
}

/** JSON text with object keys sorted recursively (Mesos' `json.info_*` data). */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(obj[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The znode data a master registers: its MasterInfo as sorted-key JSON. */
export function masterInfoZnodeData(masterInfo: Plain): string {
  return sortedJson(toJsonObject("mesos.v1.MasterInfo", masterInfo));
}

/** Contends for leadership under a `zk://` URL; reports every change to `onChange`. */
export class MasterElection {
  readonly #url: ReturnType<typeof parseZkUrl>;
  readonly #data: string;
  readonly #logger: Logger;
  readonly #onChange: (state: ElectionState) => void;
  #client: ZkClient | undefined;
  #node: string | undefined;
  #state: ElectionState = { isLeader: false, leader: undefined };
  #stopped = false;
  #refreshing = false;
  #again = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    zk: string,
    masterInfo: Plain,
    logger: Logger,
    onChange: (state: ElectionState) => void,
  ) {
    this.#url = parseZkUrl(zk);
    this.#data = masterInfoZnodeData(masterInfo);
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** Connects, registers the znode and reads the current leader before resolving. */
  static async start(options: {
    zk: string;
    masterInfo: Plain;
    logger: Logger;
    onChange: (state: ElectionState) => void;
  }): Promise<MasterElection> {
    const election = new MasterElection(
      options.zk,
      options.masterInfo,
      options.logger,
      options.onChange,
    );
    await election.#contend();
    return election;
  }

  /** The latest election state. */
  get state(): ElectionState {
    return this.#state;
  }

  /** The path of this master's znode, once registered. */
  get node(): string | undefined {
    return this.#node;
  }

  /** Withdraws (closes the session, so the znode disappears). Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }

  async #contend(): Promise<void> {
    const client = await ZkClient.connect(this.#url.servers, {
      auth: this.#url.auth,
      logger: this.#logger,
    });
    if (this.#stopped) {
      await client.close();
      return;
    }
    this.#client = client;
    client.onStateChange((s) => {
      if (s === "expired" && this.#client === client && !this.#stopped) this.#onExpired(client);
    });
    await client.mkdirp(this.#url.chroot);
    this.#node = await client.create(
      `${this.#url.chroot}/${PREFIX}`,
      this.#data,
      "ephemeral_sequential",
    );
    this.#logger.info("registered in ZooKeeper", { node: this.#node });
    await this.#refresh();
  }

  #onExpired(client: ZkClient) {
    this.#logger.warn("ZooKeeper session expired; contending again", { node: this.#node });
    this.#client = undefined;
    this.#node = undefined;
    this.#set({ isLeader: false, leader: undefined });
    client.close().then(() => this.#retry());
  }

  #retry(delayMs = 0) {
    if (this.#stopped) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#stopped) return;
      this.#contend().catch((e) => {
        this.#logger.warn("ZooKeeper contention failed", { error: (e as Error).message });
        this.#retry(Math.min(5000, Math.max(250, delayMs * 2)));
      });
    }, delayMs);
  }

  async #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return;
    }
    this.#refreshing = true;
    try {
      do {
        this.#again = false;
        await this.#readLeader();
      } while (this.#again && !this.#stopped);
    } catch (e) {
      if (!this.#stopped) {
        this.#logger.warn("cannot read the Mesos leader", { error: (e as Error).message });
      }
    } finally {
      this.#refreshing = false;
    }
  }

  async #readLeader(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#stopped) return;
    const children = await client.getChildren(this.#url.chroot, () => {
      if (this.#client === client && !this.#stopped) this.#refresh();
    });
    const contenders = children.filter((c) => NODE.test(c)).sort();
    const first = contenders[0];
    const mine = this.#node?.slice(this.#url.chroot.length + 1);
    if (first === undefined) {
      this.#set({ isLeader: false, leader: undefined });
    } else if (first === mine) {
      this.#set({ isLeader: true, leader: JSON.parse(this.#data) });
    } else {
      try {
        const { data } = await client.getData(`${this.#url.chroot}/${first}`);
        this.#set({ isLeader: false, leader: JSON.parse(new TextDecoder().decode(data)) });
      } catch (e) {
        this.#logger.warn("cannot read the leader's MasterInfo", { error: (e as Error).message });
        this.#set({ isLeader: false, leader: undefined });
      }
    }
  }

  #set(state: ElectionState) {
    if (this.#stopped) return;
    const same = state.isLeader === this.#state.isLeader &&
      state.leader?.id === this.#state.leader?.id;
    this.#state = state;
    if (!same) this.#onChange(state);
  }
}
