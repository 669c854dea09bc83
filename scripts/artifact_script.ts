/**
 * The executor artifact's entry as a plain script (pure text transforms).
 *
 * Why: `deno run` analyses every module it loads (a full parse of the bundle) and caches
 * the analysis in `DENO_DIR`, which for an executor is a fresh directory in each sandbox. That
 * parse leaves about 15 MB of RSS behind in every executor for its whole life. A script that
 * V8 compiles itself (lazily, function by function) skips it: the bundle's entry module
 * becomes `<name>.script.js`, and `<name>.js` is a small loader module that imports what the
 * entry imported, then runs the script with those modules, `import.meta` and dynamic
 * `import()` handed in.
 *
 * @module
 */

/** What {@linkcode scriptedEntry} makes of an entry module. */
export interface ScriptedEntry {
  /** The entry's code as the body of an async function of `__meta, __deps, __import`. */
  script: string;
  /** The loader module, which imports `specifiers` and runs the script. */
  loader: string;
  /** The modules the entry imported statically, in order. */
  specifiers: string[];
}

/** Names the script gets from its loader; the bundle must not use them itself. */
const HANDED_IN = ["__meta", "__deps", "__import"];

/** `a as b, c` → `a: b, c` (a destructuring pattern). */
function pattern(names: string): string {
  return names.split(",").map((n) => n.trim()).filter((n) => n !== "").map((n) => {
    const [from, to] = n.split(/\s+as\s+/);
    return to === undefined ? from : `${from}: ${to}`;
  }).join(", ");
}

/**
 * Turns an ES module bundle (as `deno bundle` writes it: static imports, `import.meta`,
 * dynamic `import()`, one `export {…}`) into a script and its loader; the script is read from
 * `scriptFile` next to the loader.
 *
 * @throws {Error} when the module already uses one of the handed-in names. (An import or
 * export form this does not know leaves a script that does not compile: the build checks.)
 */
export function scriptedEntry(moduleText: string, scriptFile: string): ScriptedEntry {
  for (const name of HANDED_IN) {
    if (moduleText.includes(name)) {
      throw new Error(`Cannot make the entry a script: it already uses the name ${name}`);
    }
  }
  const specifiers: string[] = [];
  const dep = (spec: string) => {
    specifiers.push(spec);
    return `__deps[${specifiers.length - 1}]`;
  };
  const script = moduleText
    .replace(
      /(^|[;}\n])\s*import\s*\{([^}]*)\}\s*from\s*"([^"]+)";?/g,
      (_m, before, names, spec) => `${before}var {${pattern(names)}} = ${dep(spec)};`,
    )
    .replace(
      /(^|[;}\n])\s*import\s*\*\s*as\s*([\w$]+)\s*from\s*"([^"]+)";?/g,
      (_m, before, name, spec) => `${before}var ${name} = ${dep(spec)};`,
    )
    .replace(
      /(^|[;}\n])\s*import\s+([\w$]+)\s+from\s*"([^"]+)";?/g,
      (_m, before, name, spec) => `${before}var ${name} = ${dep(spec)}.default;`,
    )
    .replaceAll("import.meta", "__meta")
    .replace(/\bimport\(/g, "__import(")
    // The entry's exports are not needed: nothing imports the executor.
    .replace(/(^|[;}\n])\s*export\s*\{[^}]*\};?/g, "$1");
  const loader = [
    `// Loads ${scriptFile} (see scripts/artifact_script.ts): a script skips deno's module analysis.`,
    ...specifiers.map((s, i) => `import * as d${i} from ${JSON.stringify(s)};`),
    `const source = await Deno.readTextFile(new URL(${
      JSON.stringify(`./${scriptFile}`)
    }, import.meta.url));`,
    "const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;",
    `const run = new AsyncFunction(${HANDED_IN.map((n) => JSON.stringify(n)).join(", ")}, source);`,
    `await run({ url: import.meta.url, main: import.meta.main }, [${
      specifiers.map((_, i) => `d${i}`).join(", ")
    }], (s) => import(new URL(s, import.meta.url).href));`,
    "",
  ].join("\n");
  return { script, loader, specifiers };
}

/** Modules the bundle may ask `require` for and do without (protobufjs probes for `fs`). */
const OPTIONAL_REQUIRES = new Set(["node:fs"]);

/**
 * Replaces the `require` esbuild gives CommonJS packages (`createRequire` of `node:module`,
 * which loads Node compatibility worth about 1 MB of an idle executor's RSS) by one that
 * throws. Only safe when {@linkcode requiredModules} of every file of the bundle are optional.
 */
export function withoutNodeRequire(text: string): string {
  return text.replace(
    /import\s*\{\s*createRequire as __deno_internal_createRequire\s*\}\s*from\s*"node:module";\s*var ([\w$]+)\s*=\s*__deno_internal_createRequire\(import\.meta\.url\);/,
    (_m, name) => `var ${name}=(m)=>{throw new Error("require("+m+") is not available");};`,
  );
}

/** The builtin modules `text` requires (calls like `x("node:fs")`, not `import(…)`). */
export function requiredModules(text: string): string[] {
  const calls = text.matchAll(/(?<![\w$.])([\w$]+)\(\s*"(node:[^"]+)"\s*\)/g);
  return [...calls].filter((c) => c[1] !== "import" && c[1] !== "__import").map((c) => c[2]!);
}

/** The required modules of a bundle that it cannot do without. */
export function essentialRequires(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap(requiredModules))].filter((m) => !OPTIONAL_REQUIRES.has(m));
}
