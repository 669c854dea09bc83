/**
 * The chaos run's write check, pure: which acknowledged writes are missing at the end, which
 * of those a reseed provably lost (the survivor's history is a prefix of the old cluster's:
 * a lost write is newer than every write of the same era that survived), and which are
 * unexplained.
 *
 * @module
 */

/** A write the cluster acknowledged. */
export interface AckedWrite {
  seq: number;
  key: string;
  /** The revision in the put response's header. */
  revision: number;
  /** When the acknowledgement arrived (ms since the epoch). */
  at: number;
}

/** A reseed the run caused (drop-majority) and its evidence from the scheduler's log. */
export interface ReseedWindow {
  /** When the fault was injected. */
  injectedAt: number;
  /** When the cluster was healthy again. */
  healedAt: number;
  /** The scheduler's "survivors ranked by raft index" line, or a note that none was found. */
  evidence: string;
}

/** A missing write a reseed explains. */
export interface LostToReseed {
  write: AckedWrite;
  /** The newest revision of the same era that the survivor kept. */
  survivorRevision: number;
  evidence: string;
}

/** The outcome of {@linkcode judgeWrites}. */
export interface WriteVerdict {
  acked: number;
  present: number;
  lostToReseed: LostToReseed[];
  unexplained: AckedWrite[];
}

/**
 * Compares the acknowledged writes with the keys present at the end.
 *
 * A missing write is put down to a reseed only when it was acknowledged before that reseed
 * healed and its revision is above every write acknowledged before the reseed that survived:
 * the survivor kept a prefix of the log and this write is past its end.
 */
export function judgeWrites(
  acked: readonly AckedWrite[],
  present: ReadonlySet<string>,
  reseeds: readonly ReseedWindow[],
): WriteVerdict {
  const lostToReseed: LostToReseed[] = [];
  const unexplained: AckedWrite[] = [];
  const windows = [...reseeds].sort((a, b) => a.healedAt - b.healedAt).map((r) => ({
    ...r,
    survivorRevision: Math.max(
      0,
      ...acked.filter((w) => w.at <= r.healedAt && present.has(w.key)).map((w) => w.revision),
    ),
  }));
  let kept = 0;
  for (const w of acked) {
    if (present.has(w.key)) {
      kept++;
      continue;
    }
    const r = windows.find((r) => w.at <= r.healedAt && w.revision > r.survivorRevision);
    if (r) {
      lostToReseed.push({ write: w, survivorRevision: r.survivorRevision, evidence: r.evidence });
    } else unexplained.push(w);
  }
  return { acked: acked.length, present: kept, lostToReseed, unexplained };
}

/** One member's hash, as compared by {@linkcode judgeHashes}. */
export interface MemberHash {
  endpoint: string;
  revision: string;
  hash: string;
}

/** A failure message when the members disagree on revision or hash, else undefined. */
export function judgeHashes(hashes: readonly MemberHash[], expected: number): string | undefined {
  if (hashes.length !== expected) {
    return `expected ${expected} members to answer HashKV, got ${hashes.length}`;
  }
  const revs = new Set(hashes.map((h) => h.revision));
  const sums = new Set(hashes.map((h) => h.hash));
  if (revs.size === 1 && sums.size === 1) return undefined;
  return `members disagree: ${
    hashes.map((h) => `${h.endpoint} rev ${h.revision} hash ${h.hash}`).join("; ")
  }`;
}
