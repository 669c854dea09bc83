import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import {
  addResources,
  allocate,
  containsResources,
  formatRanges,
  isAllocatableTo,
  isEmptyResources,
  normalize,
  reservationsByRole,
  scalarOf,
  subtractResources,
  unallocate,
} from "./resources.ts";

const cpus = (v: number): Resource => ({ name: "cpus", type: "SCALAR", scalar: { value: v } });
const disk = (v: number): Resource => ({ name: "disk", type: "SCALAR", scalar: { value: v } });
const ports = (...r: [number, number][]): Resource => ({
  name: "ports",
  type: "RANGES",
  ranges: { range: r.map(([begin, end]) => ({ begin, end })) },
});
const reserved = (r: Resource, role = "etcd", principal?: string): Resource => ({
  ...r,
  reservations: [{ type: "DYNAMIC", role, ...(principal ? { principal } : {}) }],
});
const volume = (size: number, id: string, path = "data"): Resource => ({
  ...reserved(disk(size)),
  disk: { persistence: { id }, volume: { mode: "RW", container_path: path } },
});

Deno.test("addResources() and subtractResources() keep three decimals and split ranges", () => {
  const total = [cpus(2), ports([31000, 31099])];
  const used = [cpus(0.1), ports([31000, 31000]), ports([31050, 31050])];
  const left = subtractResources(total, used);
  assert.equal(scalarOf(left, "cpus"), 1.9);
  assert.deepEqual(left[1]!.ranges!.range, [
    { begin: 31001, end: 31049 },
    { begin: 31051, end: 31099 },
  ]);
  assert.deepEqual(addResources(left, used), [cpus(2), ports([31000, 31099])]);
  assert.equal(scalarOf(addResources([cpus(0.1)], [cpus(0.2)]), "cpus"), 0.3);
});

Deno.test("containsResources() checks scalars and ranges; subtraction never goes negative", () => {
  assert.equal(containsResources([cpus(1), ports([1, 10])], [cpus(1), ports([2, 3])]), true);
  assert.equal(containsResources([cpus(1)], [cpus(1.001)]), false);
  assert.equal(containsResources([ports([1, 10])], [ports([9, 11])]), false);
  assert.equal(containsResources([cpus(1)], [ports([1, 1])]), false);
  assert.equal(isEmptyResources(subtractResources([cpus(1)], [cpus(5)])), true);
});

Deno.test("reserved and unreserved resources of one name stay apart; pre format is upgraded", () => {
  const all = normalize([disk(100), reserved(disk(30)), { ...disk(20), role: "*" }]);
  assert.deepEqual(all, [disk(120), reserved(disk(30))]);
  // Pre-refinement "role" + "reservation" is the same dynamic reservation.
  const pre: Resource = { ...disk(5), role: "etcd", reservation: {} };
  assert.deepEqual(addResources(all, [pre]), [disk(120), reserved(disk(35))]);
  assert.equal(containsResources(all, [reserved(disk(31))]), false);
  assert.equal(containsResources(all, [reserved(disk(30), "other")]), false);
  assert.equal(containsResources(all, [reserved(disk(30), "etcd", "p")]), false);
  assert.deepEqual([...reservationsByRole(all).keys()], ["etcd"]);
});

Deno.test("persistent volumes never merge and are contained only whole", () => {
  const vols = normalize([volume(10, "a"), volume(10, "b"), reserved(disk(5))]);
  assert.equal(vols.length, 3);
  assert.equal(containsResources(vols, [volume(10, "a")]), true);
  // The container path is not part of a volume's identity.
  assert.equal(containsResources(vols, [volume(10, "a", "elsewhere")]), true);
  assert.equal(containsResources(vols, [volume(5, "a")]), false);
  assert.equal(containsResources(vols, [volume(10, "a"), volume(10, "a")]), false);
  assert.deepEqual(subtractResources(vols, [volume(10, "b")]), [
    volume(10, "a"),
    reserved(disk(5)),
  ]);
});

Deno.test("allocation info is part of a resource's identity", () => {
  const offered = allocate([cpus(2)], "etcd");
  assert.equal(containsResources(offered, [cpus(1)]), false);
  assert.equal(containsResources(offered, allocate([cpus(1)], "etcd")), true);
  assert.deepEqual(unallocate(offered), [cpus(2)]);
});

Deno.test("isAllocatableTo(): unreserved to all, reserved to its role and sub-roles", () => {
  assert.equal(isAllocatableTo(cpus(1), "x"), true);
  assert.equal(isAllocatableTo(reserved(cpus(1)), "etcd"), true);
  assert.equal(isAllocatableTo(reserved(cpus(1)), "etcd/a"), true);
  assert.equal(isAllocatableTo(reserved(cpus(1)), "etcdx"), false);
  assert.equal(isAllocatableTo(reserved(cpus(1)), "other"), false);
});

Deno.test("formatRanges() writes every range lo-hi, merged and sorted", () => {
  assert.equal(
    formatRanges([{ begin: 31005, end: 31005 }, { begin: 31000, end: 31001 }]),
    "[31000-31001, 31005-31005]",
  );
  assert.equal(formatRanges([{ begin: 1, end: 2 }, { begin: 3, end: 4 }]), "[1-4]");
  assert.equal(formatRanges([]), "[]");
});
