/** Whether an etcd data dir holds a write-ahead log (guards reseeds; see maintenance_orders.ts). */

/** True when `<dataDir>/member/wal` contains at least one `.wal` file. */
export function walPresent(dataDir: string): boolean {
  try {
    for (const entry of Deno.readDirSync(`${dataDir}/member/wal`)) {
      if (entry.isFile && entry.name.endsWith(".wal")) return true;
    }
  } catch {
    // No wal directory at all.
  }
  return false;
}
