import assert from "node:assert/strict";
import {
  ConfigError,
  parseBool,
  parseDuration,
  parseIntIn,
  parseNumber,
  tokenize,
} from "./flags.ts";

const known = (n: string) => ["a", "b", "flag"].includes(n);
const isBool = (n: string) => n === "flag";

Deno.test("tokenize() keeps the form the user wrote for messages", () => {
  assert.deepEqual(tokenize(["-a=1", "--b", "2", "--flag"], known, isBool), [
    { name: "a", written: "-a", value: "1" },
    { name: "b", written: "--b", value: "2" },
    { name: "flag", written: "--flag", value: undefined },
  ]);
});

Deno.test("tokenize() lets a value start with a dash, like Go's flag package", () => {
  assert.deepEqual(tokenize(["--a", "-1"], known, isBool)[0]?.value, "-1");
});

Deno.test("tokenize() stops at -- and rejects anything after it", () => {
  assert.deepEqual(tokenize(["--a=1", "--"], known, isBool).length, 1);
  assert.throws(() => tokenize(["--", "x"], known, isBool), /Unexpected argument "x"/);
});

Deno.test("tokenize() does not eat a non-boolean word after a boolean flag", () => {
  assert.throws(() => tokenize(["--flag", "maybe"], known, isBool), ConfigError);
});

Deno.test("parseDuration() reads Go durations and bare seconds", () => {
  assert.equal(parseDuration("--d", "1h2m3s4ms"), 3_723_004);
  assert.equal(parseDuration("--d", "1.5s"), 1500);
  assert.equal(parseDuration("--d", "240"), 240_000);
  assert.throws(() => parseDuration("--d", "-1s"), /Cannot parse --d "-1s"/);
  assert.throws(() => parseDuration("--d", "0s"), /expected a duration > 0/);
  assert.equal(parseDuration("--d", "0s", true), 0);
});

Deno.test("parseBool(), parseIntIn() and parseNumber() name the flag and value", () => {
  assert.equal(parseBool("--x", "F"), false);
  assert.throws(
    () => parseBool("--x", "yes"),
    /: Cannot parse --x "yes": expected true or false$/,
  );
  assert.throws(
    () => parseIntIn("--n", "1.5", 0, 9),
    /Cannot parse --n "1.5": expected an integer 0..9/,
  );
  assert.throws(() => parseNumber("--m", "", 0), /Cannot parse --m "": expected a number >= 0/);
  assert.equal(parseNumber("--m", "0.25", 0, true), 0.25);
});
