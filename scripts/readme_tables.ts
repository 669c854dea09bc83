/**
 * The README's flag tables, generated from the flag specs (`scheduler/config_specs.ts`,
 * `proxy/config.ts`) so they cannot drift: `deno run -A scripts/readme_tables.ts --write`
 * rewrites the generated sections of README.md (then formats it); `--check` exits 1 when they
 * are out of date. `tests/readme_test.ts` runs the check.
 *
 * A section is everything between `<!-- BEGIN GENERATED: <name> -->` and
 * `<!-- END GENERATED: <name> -->`.
 *
 * @module
 */
import { PROXY_SPECS } from "../proxy/config.ts";
import { SPECS } from "../scheduler/config_specs.ts";

/** What a flag table row is made of (both spec tables fit). */
export interface FlagRow {
  name: string;
  def: string;
  help: string;
  env?: string[];
  bool?: boolean;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function code(text: string): string {
  return text === "" ? "" : `\`${text}\``;
}

/** The cells of each row: flag, default, environment, meaning. */
export function flagCells(rows: readonly FlagRow[]): string[][] {
  return rows.map((r) => [
    code(`--${r.name}`),
    r.def === "" ? "" : code(r.def),
    (r.env ?? []).map(code).join(", "),
    r.help,
  ]);
}

/** A Markdown table of `rows` (unaligned; `deno fmt` aligns it). */
export function flagTable(rows: readonly FlagRow[]): string {
  const lines = [
    "| flag | default | environment | meaning |",
    "| --- | --- | --- | --- |",
    ...flagCells(rows).map((cells) => `| ${cells.map(cell).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/** The generated sections by name. */
export function generatedSections(): Record<string, string> {
  return {
    "scheduler-flags": flagTable(SPECS),
    "proxy-flags": flagTable(PROXY_SPECS),
  };
}

const BEGIN = (name: string) => `<!-- BEGIN GENERATED: ${name} -->`;
const END = (name: string) => `<!-- END GENERATED: ${name} -->`;

/** The text between a section's markers, or `undefined` when the markers are missing. */
export function sectionOf(markdown: string, name: string): string | undefined {
  const start = markdown.indexOf(BEGIN(name));
  const end = markdown.indexOf(END(name));
  if (start < 0 || end < start) return undefined;
  return markdown.slice(start + BEGIN(name).length, end).trim();
}

/**
 * Replaces a section's content.
 *
 * @throws {RangeError} naming the section when its markers are missing.
 */
export function replaceSection(markdown: string, name: string, content: string): string {
  const start = markdown.indexOf(BEGIN(name));
  const end = markdown.indexOf(END(name));
  if (start < 0 || end < start) {
    throw new RangeError(
      `README has no section ${JSON.stringify(name)}: add ${BEGIN(name)} … ${END(name)}`,
    );
  }
  return markdown.slice(0, start + BEGIN(name).length) + "\n\n" + content + "\n\n" +
    markdown.slice(end);
}

/** The cells of a Markdown table's body rows, trimmed, `\|` unescaped (alignment ignored). */
export function tableCells(table: string): string[][] {
  const rows = table.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("|"));
  return rows.slice(2).map((row) =>
    row.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"))
  );
}

/** Names of the sections whose README table differs from the specs. */
export function staleSections(markdown: string): string[] {
  const stale: string[] = [];
  for (const [name, table] of Object.entries(generatedSections())) {
    const current = sectionOf(markdown, name);
    const want = JSON.stringify(tableCells(table));
    if (current === undefined || JSON.stringify(tableCells(current)) !== want) stale.push(name);
  }
  return stale;
}

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url).pathname;
  const say = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
  let text = await Deno.readTextFile(path);
  if (Deno.args.includes("--write")) {
    for (const [name, table] of Object.entries(generatedSections())) {
      text = replaceSection(text, name, table);
    }
    await Deno.writeTextFile(path, text);
    const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path] })
      .output();
    if (!fmt.success) say("readme_tables: deno fmt README.md failed");
    say(`readme_tables: wrote ${Object.keys(generatedSections()).join(", ")} into ${path}`);
  } else {
    const stale = staleSections(text);
    if (stale.length > 0) {
      say(
        `README.md is out of date (${
          stale.join(", ")
        }): run deno run -A scripts/readme_tables.ts --write`,
      );
      Deno.exit(1);
    }
    say("README.md flag tables are up to date");
  }
}
