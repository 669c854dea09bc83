import assert from "node:assert/strict";
import {
  essentialRequires,
  requiredModules,
  scriptedEntry,
  withoutNodeRequire,
} from "./artifact_script.ts";

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;

Deno.test("scriptedEntry() turns imports into handed-in modules and drops the exports", () => {
  const entry = 'import{a as b,c}from"./chunk-X.js";import*as u from"node:util";' +
    'import d from"./d.js";const t=`import "mesos.proto";`;' +
    'var x=import.meta.url;import.meta.main&&f(await import("./lazy.js"));export{x as y};';
  const { script, loader, specifiers } = scriptedEntry(entry, "e.script.js");
  assert.deepEqual(specifiers, ["./chunk-X.js", "node:util", "./d.js"]);
  assert.equal(
    script,
    "var {a: b, c} = __deps[0];var u = __deps[1];var d = __deps[2].default;" +
      'const t=`import "mesos.proto";`;' +
      'var x=__meta.url;__meta.main&&f(await __import("./lazy.js"));',
  );
  new AsyncFunction("__meta", "__deps", "__import", script); // compiles
  assert.match(loader, /^import \* as d0 from "\.\/chunk-X\.js";$/m);
  assert.match(loader, /new URL\("\.\/e\.script\.js", import\.meta\.url\)/);
});

Deno.test("scriptedEntry() runs the entry with its modules, import.meta and import()", async () => {
  const dir = await Deno.makeTempDir({ prefix: "artifact_script_test_" });
  try {
    await Deno.writeTextFile(`${dir}/chunk.js`, "export const greet = (n) => `hello ${n}`;");
    await Deno.writeTextFile(`${dir}/lazy.js`, "export const later = 42;");
    const entry = 'import{greet as g}from"./chunk.js";' +
      'const {later}=await import("./lazy.js");' +
      'await Deno.writeTextFile(new URL("./out.txt",import.meta.url),' +
      "`${g(import.meta.main)} ${later}`);export{g};";
    const { script, loader } = scriptedEntry(entry, "entry.script.js");
    await Deno.writeTextFile(`${dir}/entry.script.js`, script);
    await Deno.writeTextFile(`${dir}/entry.js`, loader);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", "--no-lock", `${dir}/entry.js`],
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(await Deno.readTextFile(`${dir}/out.txt`), "hello true 42");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scriptedEntry() refuses an entry that already uses a handed-in name", () => {
  assert.throws(
    () => scriptedEntry("var __deps=1;", "e.script.js"),
    /already uses the name __deps/,
  );
});

Deno.test("withoutNodeRequire() replaces esbuild's createRequire shim by one that throws", () => {
  const text =
    'var a=1;import{createRequire as __deno_internal_createRequire} from "node:module";' +
    'var J=__deno_internal_createRequire(import.meta.url);var f=null;try{f=J("node:fs")}catch{}';
  const out = withoutNodeRequire(text);
  assert.ok(!out.includes("node:module"));
  const fs = new Function(`${out};return f;`)();
  assert.equal(fs, null, "the probe for fs finds nothing");
  assert.equal(withoutNodeRequire("var x=1;"), "var x=1;");
});

Deno.test("essentialRequires() names builtins the bundle requires beyond the optional fs probe", () => {
  assert.deepEqual(requiredModules('try{f=J("node:fs")}catch{};__import("node:crypto");'), [
    "node:fs",
  ]);
  assert.deepEqual(essentialRequires(['J("node:fs")', 'x.y(1);J("node:path")']), ["node:path"]);
  assert.deepEqual(essentialRequires(['J("node:fs")', 'await import("node:crypto")']), []);
});
