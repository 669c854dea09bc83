import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import {
  addResources,
  containsResources,
  formatRanges,
  forOffer,
  isEmptyResources,
  scalarOf,
  subtractResources,
} from "./resources.ts";

const cpus = (v: number): Resource => ({ name: "cpus", type: "SCALAR", scalar: { value: v } });
const ports = (...r: [number, number][]): Resource => ({
  name: "ports",
  type: "RANGES",
  ranges: { range: r.map(([begin, end]) => ({ begin, end })) },
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

Deno.test("formatRanges() writes every range lo-hi, merged and sorted", () => {
  assert.equal(
    formatRanges([{ begin: 31005, end: 31005 }, { begin: 31000, end: 31001 }]),
    "[31000-31001, 31005-31005]",
  );
  assert.equal(formatRanges([{ begin: 1, end: 2 }, { begin: 3, end: 4 }]), "[1-4]");
  assert.equal(formatRanges([]), "[]");
});

Deno.test("forOffer() sets role '*' and allocation_info only for MULTI_ROLE", () => {
  assert.deepEqual(forOffer([cpus(1)]), [{ ...cpus(1), role: "*" }]);
  assert.deepEqual(forOffer([cpus(1)], "etcd"), [
    { ...cpus(1), role: "*", allocation_info: { role: "etcd" } },
  ]);
});
