/**
 * A stand-in for the {@linkcode EtcdAdmin} interface in tests: every call rejects with an
 * error naming it, unless the test provides it, by subclassing {@linkcode EtcdAdminStub}
 * or with {@linkcode etcdAdminStub}. Fakes built on it implement the real interface, so
 * the compiler keeps them in step with it; no cast is needed.
 *
 * @module
 */
import type {
  AddMemberResult,
  ClusterCallOptions,
  EtcdAdmin,
  EtcdHashKV,
  EtcdMember,
  EtcdMemberStatus,
  LinearizableReadResult,
} from "../admin.ts";

/** The error a call the test did not provide rejects with. */
export class NotFakedError extends Error {
  /** The {@linkcode EtcdAdmin} method that was called. */
  readonly method: string;

  /** Creates the error naming `method`. */
  constructor(method: string) {
    super(`EtcdAdmin.${method}() is not faked in this test`);
    this.name = "NotFakedError";
    this.method = method;
  }
}

function notFaked(method: string): Promise<never> {
  return Promise.reject(new NotFakedError(method));
}

/** An {@linkcode EtcdAdmin} whose calls all reject with {@linkcode NotFakedError}. */
export class EtcdAdminStub implements EtcdAdmin {
  status(_endpoint: string): Promise<EtcdMemberStatus> {
    return notFaked("status");
  }
  hashKV(_endpoint: string, _revision?: string): Promise<EtcdHashKV> {
    return notFaked("hashKV");
  }
  memberList(_options?: ClusterCallOptions): Promise<EtcdMember[]> {
    return notFaked("memberList");
  }
  addLearner(
    _peerUrls: readonly string[],
    _options?: ClusterCallOptions,
  ): Promise<AddMemberResult> {
    return notFaked("addLearner");
  }
  promote(_memberId: string, _options?: ClusterCallOptions): Promise<EtcdMember[]> {
    return notFaked("promote");
  }
  remove(_memberId: string, _options?: ClusterCallOptions): Promise<EtcdMember[]> {
    return notFaked("remove");
  }
  linearizableRead(_options?: ClusterCallOptions): Promise<LinearizableReadResult> {
    return notFaked("linearizableRead");
  }
  setEndpoints(_endpoints: readonly string[]): void {}
  close(): void {}
}

/** An {@linkcode EtcdAdmin} answering with `calls`; every other call rejects. */
export function etcdAdminStub(calls: Partial<EtcdAdmin>): EtcdAdmin {
  return Object.assign(new EtcdAdminStub(), calls);
}
