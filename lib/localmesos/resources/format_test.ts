import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import {
  downgradeResource,
  endpointResource,
  offerResources,
  stringifyResource,
  stringifyResources,
  upgradeResource,
} from "./format.ts";
import { frameworkRolesError, roleError, stringifySet } from "./roles.ts";

const cpus: Resource = { name: "cpus", type: "SCALAR", scalar: { value: 1 } };
const dynamic: Resource = {
  name: "disk",
  type: "SCALAR",
  scalar: { value: 2048 },
  reservations: [{
    type: "DYNAMIC",
    role: "etcd",
    principal: "p",
    labels: { labels: [{ key: "k", value: "v" }] },
  }],
};

Deno.test("upgrade/downgrade between the pre- and post-refinement formats", () => {
  assert.deepEqual(upgradeResource({ ...cpus, role: "*" }), cpus);
  assert.deepEqual(upgradeResource({ ...cpus, role: "r" }), {
    ...cpus,
    reservations: [{ type: "STATIC", role: "r" }],
  });
  const pre = downgradeResource(dynamic);
  assert.deepEqual(pre, {
    name: "disk",
    type: "SCALAR",
    scalar: { value: 2048 },
    role: "etcd",
    reservation: { principal: "p", labels: { labels: [{ key: "k", value: "v" }] } },
  });
  assert.deepEqual(upgradeResource(pre), dynamic);
  assert.deepEqual(downgradeResource(cpus), { ...cpus, role: "*" });
  assert.deepEqual(endpointResource(dynamic), { ...pre, reservations: dynamic.reservations });
  const refined: Resource = {
    ...dynamic,
    reservations: [...dynamic.reservations!, { type: "DYNAMIC", role: "etcd/m1" }],
  };
  assert.throws(() => downgradeResource(refined), /cannot be downgraded/);
  assert.deepEqual(endpointResource(refined), refined);
});

Deno.test("offerResources(): allocation_info for MULTI_ROLE, post format for RESERVATION_REFINEMENT", () => {
  assert.deepEqual(offerResources([cpus], { multiRole: false, refinement: false, role: "*" }), [
    { ...cpus, role: "*" },
  ]);
  assert.deepEqual(offerResources([cpus], { multiRole: true, refinement: false, role: "etcd" }), [
    { ...cpus, allocation_info: { role: "etcd" }, role: "*" },
  ]);
  assert.deepEqual(offerResources([dynamic], { multiRole: true, refinement: true, role: "etcd" }), [
    { ...dynamic, allocation_info: { role: "etcd" } },
  ]);
});

Deno.test("stringifyResource() writes Mesos' text of a resource", () => {
  assert.equal(stringifyResource(cpus), "cpus:1");
  assert.equal(
    stringifyResource({ ...dynamic, allocation_info: { role: "etcd" } }),
    "disk(allocated: etcd)(reservations: [(DYNAMIC,etcd,p,{k: v})]):2048",
  );
  assert.equal(
    stringifyResource({
      ...dynamic,
      disk: { persistence: { id: "m1" }, volume: { mode: "RW", container_path: "data" } },
    }),
    "disk(reservations: [(DYNAMIC,etcd,p,{k: v})])[m1:data]:2048",
  );
  assert.equal(
    stringifyResource({
      name: "ports",
      type: "RANGES",
      ranges: { range: [{ begin: 1, end: 2 }, { begin: 5, end: 5 }] },
    }),
    "ports:[1-2, 5-5]",
  );
  assert.equal(stringifyResources([]), "{}");
  assert.equal(stringifyResources([cpus, { ...cpus, name: "mem" }]), "cpus:1; mem:1");
});

Deno.test("roles are validated with Mesos' messages", () => {
  assert.equal(roleError("*"), undefined);
  assert.equal(roleError("etcd/m1"), undefined);
  assert.equal(roleError(""), "Role names cannot be the empty string");
  assert.equal(roleError("/a"), "Role '/a' cannot start with a slash");
  assert.equal(roleError("a//b"), "Role 'a//b' cannot contain two adjacent slashes");
  assert.equal(roleError("a/*"), "Role 'a/*' cannot include '*' as a component");
  assert.equal(roleError("-a"), "Role component '-a' is invalid because it starts with a dash");
  assert.equal(stringifySet(["b", "a"]), "{ a, b }");
  assert.equal(
    frameworkRolesError({ roles: ["a"] }),
    "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable",
  );
  assert.equal(
    frameworkRolesError({ capabilities: [{ type: "MULTI_ROLE" }], roles: ["a", "a"] }),
    "'FrameworkInfo.roles' contains duplicate items: { a }",
  );
  assert.equal(
    frameworkRolesError({ role: "a b" }),
    "'FrameworkInfo.role' is not a valid role: Role component 'a b' is invalid because it " +
      "contains backspace or whitespace",
  );
});
