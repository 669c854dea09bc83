import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import {
  applyCheckpointedResources,
  applyConversions,
  conversionsOf,
  operationError,
  upgradeOperationResources,
} from "./operations.ts";
import { resourceError } from "./validation.ts";

const etcd = { type: "DYNAMIC" as const, role: "etcd", principal: "p" };
const disk = (value: number, extra: Partial<Resource> = {}): Resource => ({
  name: "disk",
  type: "SCALAR",
  scalar: { value },
  ...extra,
});
const vol = (id: string): Resource =>
  disk(10, {
    reservations: [etcd],
    disk: { persistence: { id, principal: "p" }, volume: { mode: "RW", container_path: "d" } },
  });
const framework = { roles: ["etcd"], principal: "p", capabilities: [{ type: "MULTI_ROLE" }] };
const ctx = { framework, checkpointed: [] as Resource[], used: [] as Resource[][] };

Deno.test("conversions: RESERVE pops, CREATE strips the volume, pool containment is checked", () => {
  const pool = [disk(100, { allocation_info: { role: "etcd" } })];
  const reserved = [disk(40, { reservations: [etcd], allocation_info: { role: "etcd" } })];
  const after = applyConversions(pool, conversionsOf("RESERVE", reserved));
  assert.ok("resources" in after);
  assert.deepEqual(after.resources, [disk(60, { allocation_info: { role: "etcd" } }), ...reserved]);
  const volume = { ...vol("m1"), allocation_info: { role: "etcd" } };
  const created = applyConversions(after.resources, conversionsOf("CREATE", [volume]));
  assert.ok("resources" in created);
  assert.equal(created.resources.length, 3);
  const tooBig = applyConversions(
    pool,
    conversionsOf("CREATE", [{ ...volume, scalar: { value: 500 } }]),
  );
  assert.deepEqual(tooBig, {
    error: "disk(allocated: etcd):100 does not contain " +
      "disk(allocated: etcd)(reservations: [(DYNAMIC,etcd,p)]):500",
  });
});

Deno.test("operation errors carry Mesos' texts", () => {
  assert.equal(
    operationError("RESERVE", [disk(1, { reservations: [etcd] })], ctx),
    "A reserve operation was attempted on unallocated resource " +
      "disk(reservations: [(DYNAMIC,etcd,p)]):1, but frameworks can only perform " +
      "reservations on allocated resources",
  );
  assert.equal(
    operationError("CREATE", [{ ...vol("a"), disk: { persistence: { id: "a" } } }], ctx),
    "Invalid resources: Invalid DiskInfo: Expecting 'volume' to be set for persistent volume",
  );
  assert.equal(
    operationError("CREATE", [vol("../x")], ctx),
    "Invalid resources: Invalid DiskInfo: Invalid persistence ID for persistent volume: " +
      "'../x' contains invalid characters",
  );
  assert.equal(
    operationError("DESTROY", [disk(1, { reservations: [etcd] })], ctx),
    "Not a persistent volume: Resource disk(reservations: [(DYNAMIC,etcd,p)]):1 does not have DiskInfo",
  );
  assert.deepEqual(upgradeOperationResources({ type: "RESERVE" }, "etcd"), {
    error: "Operation attempted with invalid resources: A RESERVE offer operation must have " +
      "the Offer.Operation.reserve field set.",
  });
  assert.equal(
    resourceError({ ...disk(1), reservations: [{ role: "a" }] }),
    "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.",
  );
  assert.equal(
    resourceError({ ...disk(1), role: "*", reservation: {} }),
    'Invalid reservation: role "*" cannot be dynamically reserved',
  );
});

Deno.test("applyCheckpointedResources() applies reservations and volumes to the agent's resources", () => {
  const total = applyCheckpointedResources([disk(100)], [
    disk(20, { reservations: [etcd] }),
    vol("v"),
  ]);
  assert.deepEqual(total, [disk(70), disk(20, { reservations: [etcd] }), vol("v")]);
  assert.throws(
    () => applyCheckpointedResources([disk(5)], [vol("v")]),
    /^RangeError: Incompatible agent resources: disk:5 does not contain disk:10$/,
  );
  assert.throws(() => applyCheckpointedResources([disk(5)], [disk(1)]), /Unexpected checkpointed/);
});
