import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import { isAllocatable, OfferFilters, planAllocation, refuseSeconds } from "./offers.ts";
import { MasterState } from "./state.ts";

const cpus = (v: number): Resource => ({ name: "cpus", type: "SCALAR", scalar: { value: v } });
const mem = (v: number): Resource => ({ name: "mem", type: "SCALAR", scalar: { value: v } });

function stateWith(agents: number, frameworks: string[]): MasterState {
  const state = new MasterState();
  for (let i = 0; i < agents; i++) {
    state.agents.set(`S${i}`, {
      id: `S${i}`,
      info: {},
      url: "http://127.0.0.1:1",
      ip: "127.0.0.1",
      port: 1,
      hostname: "h",
      total: [cpus(2), mem(1024)],
      attributes: [],
      registeredTime: 0,
      connected: true,
      executors: new Map(),
    });
  }
  for (const id of frameworks) {
    const fw = state.addFramework(id, { user: "u", name: id }, 0);
    fw.connected = true;
    fw.active = true;
  }
  return state;
}

Deno.test("refuseSeconds() defaults to 5 and caps at one year", () => {
  assert.equal(refuseSeconds(undefined), 5);
  assert.equal(refuseSeconds({}), 5);
  assert.equal(refuseSeconds({ refuse_seconds: 0 }), 0);
  assert.equal(refuseSeconds({ refuse_seconds: 1e12 }), 31536000);
});

Deno.test("OfferFilters filter only subsets of the refused resources, until they expire", () => {
  const filters = new OfferFilters();
  assert.equal(filters.add("F", "S0", [cpus(1)], 10, 1000), 11_000);
  assert.equal(filters.isFiltered("F", "S0", [cpus(1)], 5000), true);
  assert.equal(filters.isFiltered("F", "S0", [cpus(0.5)], 5000), true);
  assert.equal(filters.isFiltered("F", "S0", [cpus(2)], 5000), false);
  assert.equal(filters.isFiltered("F", "S1", [cpus(1)], 5000), false);
  assert.equal(filters.isFiltered("G", "S0", [cpus(1)], 5000), false);
  assert.equal(filters.isFiltered("F", "S0", [cpus(1)], 11_000), false);
  assert.equal(filters.add("F", "S0", [cpus(1)], 0, 0), undefined);
  filters.add("F", "S0", [cpus(1)], 10, 0);
  filters.clear("F");
  assert.equal(filters.count("F", 0), 0);
});

Deno.test("planAllocation() offers each agent whole to the framework with the lowest share", () => {
  const state = stateWith(2, ["A", "B"]);
  const plan = planAllocation(state, new OfferFilters(), 0);
  assert.deepEqual(plan.map((p) => [p.frameworkId, p.agentId]), [["A", "S0"], ["B", "S1"]]);
  assert.deepEqual(plan[0]!.resources, [cpus(2), mem(1024)]);
});

Deno.test("planAllocation() skips suppressed, disconnected and filtered frameworks", () => {
  const state = stateWith(1, ["A", "B", "C"]);
  state.frameworks.get("A")!.suppressed = true;
  state.frameworks.get("B")!.connected = false;
  const filters = new OfferFilters();
  filters.add("C", "S0", [cpus(2), mem(1024)], 5, 0);
  assert.deepEqual(planAllocation(state, filters, 0), []);
  assert.equal(planAllocation(state, filters, 5000)[0]!.frameworkId, "C");
  assert.equal(isAllocatable([cpus(0.001), mem(31)]), false);
  assert.equal(isAllocatable([mem(32)]), true);
});
