/**
 * The layers, checked on the import specifiers of every `.ts` file in the repository:
 *
 * - `lib/` imports no program (`scheduler/`, `executor/`, `proxy/`, `localcluster/`) and
 *   not the programs' `contract/`;
 * - `contract/` imports only itself and `lib/`;
 * - a program imports no other program, except the `localcluster/` launcher, which may
 *   import `scheduler/` (it starts the scheduler with its flags);
 * - product code (outside `*_test.ts`, `testing/` and `testdata/`) imports no test-only code.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SKIP = new Set([".git", ".tools", "node_modules", "dist", "fixtures"]);
const PROGRAMS = ["scheduler", "executor", "proxy", "localcluster"] as const;

/** Every `.ts` file under `dir`, relative to {@linkcode ROOT}. */
async function tsFiles(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}/${dir}`)) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory && !SKIP.has(entry.name)) out.push(...await tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

const SPECIFIER =
  /(?:^|[\s;}])(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']|(?:^|[\s;}(=])import\s*(?:\(\s*)?["']([^"']+)["']/g;

/** The import and re-export specifiers of a module's source. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2]!);
}

/** `spec` resolved against `file`, relative to the root; `undefined` for bare or URL specifiers. */
function resolve(file: string, spec: string): string | undefined {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
  const url = new URL(spec, `file:///root/${file}`);
  return url.pathname.startsWith("/root/") ? url.pathname.slice("/root/".length) : spec;
}

const topOf = (path: string) => path.split("/")[0]!;
const isTestOnly = (path: string) =>
  path.endsWith("_test.ts") || /(^|\/)(testing|testdata)\//.test(path) ||
  topOf(path) === "tests";

/** Why `file` must not import `target`, or `undefined` when it may. */
function violation(file: string, target: string): string | undefined {
  const from = topOf(file);
  const to = topOf(target);
  const program = (top: string) => (PROGRAMS as readonly string[]).includes(top);
  if (from === "lib" && (program(to) || to === "contract")) return `lib/ imports ${to}/`;
  if (from === "contract" && to !== "contract" && to !== "lib") {
    return `contract/ imports ${to}/`;
  }
  if (program(from) && program(to) && from !== to) {
    if (!(from === "localcluster" && to === "scheduler")) return `${from}/ imports ${to}/`;
  }
  if (
    (program(from) || from === "lib" || from === "contract") && !isTestOnly(file) &&
    isTestOnly(target)
  ) {
    return "product code imports test-only code";
  }
  return undefined;
}

Deno.test("importSpecifiers() finds static, multi-line, type, re-export and dynamic imports", () => {
  const source = [
    `import assert from "node:assert/strict";`,
    `import {`,
    `  a,`,
    `  type B,`,
    `} from "../scheduler/x.ts";`,
    `import type { C } from './c.ts';`,
    `export * from "./d.ts";`,
    `export { e } from "./e.ts";`,
    `import "./side_effect.ts";`,
    `const m = await import("./lazy.ts");`,
    `// import { f } from "./commented.ts";`,
    `/** import { g } from "./doc.ts"; */`,
    `const s = "import nothing from here";`,
  ].join("\n");
  assert.deepEqual(importSpecifiers(source), [
    "node:assert/strict",
    "../scheduler/x.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./side_effect.ts",
    "./lazy.ts",
  ]);
});

Deno.test("the layering rules name what is forbidden", () => {
  assert.equal(
    violation("executor/executor.ts", "scheduler/core/task_id.ts"),
    "executor/ imports scheduler/",
  );
  assert.equal(violation("proxy/members.ts", "scheduler/flags.ts"), "proxy/ imports scheduler/");
  assert.equal(violation("lib/x/y.ts", "localcluster/ports.ts"), "lib/ imports localcluster/");
  assert.equal(violation("lib/x/y_test.ts", "scheduler/a.ts"), "lib/ imports scheduler/");
  assert.equal(violation("contract/a.ts", "executor/b.ts"), "contract/ imports executor/");
  assert.equal(violation("localcluster/config.ts", "scheduler/config.ts"), undefined);
  assert.equal(violation("scheduler/a.ts", "contract/b.ts"), undefined);
  assert.equal(
    violation("scheduler/shell.ts", "scheduler/testing/fakes.ts"),
    "product code imports test-only code",
  );
  assert.equal(violation("scheduler/shell_test.ts", "scheduler/testing/fakes.ts"), undefined);
  assert.equal(violation("scripts/bench_admin.ts", "scheduler/testing/fakes.ts"), undefined);
});

Deno.test("executor/ and proxy/ import no scheduler/, lib/ imports no program, contract/ only lib/", async () => {
  const problems: string[] = [];
  const files = await tsFiles();
  assert.ok(files.includes("tests/layering_test.ts"), `walked ${ROOT}`);
  for (const file of files) {
    const source = await Deno.readTextFile(`${ROOT}/${file}`);
    for (const spec of importSpecifiers(source)) {
      const target = resolve(file, spec);
      const why = target === undefined ? undefined : violation(file, target);
      if (why !== undefined) problems.push(`${file} imports ${spec}: ${why}`);
    }
  }
  assert.deepEqual(problems, []);
});
