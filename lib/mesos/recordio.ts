/**
 * RecordIO framing used by every Mesos v1 stream: `<decimal byte length>\n<bytes>` repeated,
 * no header, no trailing newline.
 */

/** A malformed RecordIO stream (bad length line); the stream cannot be resynchronised. */
export class RecordIOError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordIOError";
  }
}

/** Frames one record. */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${payload.length}\n`);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

/** Longest accepted length line, in digits (a record of up to ~1 TB). */
const MAX_HEADER_DIGITS = 12;

/**
 * Streaming decoder: feed arbitrary chunks, get whole records back. Correct under any
 * chunking, including chunks that split the length line or hold several records.
 */
export class RecordIODecoder {
  #header = "";
  #expected = -1; // payload length being read, or -1 while reading the length line
  #parts: Uint8Array[] = [];
  #have = 0;
  #failed: RecordIOError | undefined;
  readonly #maxRecordBytes: number;

  constructor(options: { maxRecordBytes?: number } = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Consumes a chunk and returns the records it completed (possibly none). When garbage
   * follows complete records in the same chunk, those records are returned first and the
   * error is thrown by the next call (an empty chunk will do); once broken, always broken.
   *
   * @throws {RecordIOError} on a malformed length line or an oversized record.
   */
  decode(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw this.#failed;
    const records: Uint8Array[] = [];
    try {
      this.#decodeInto(chunk, records);
    } catch (e) {
      if (!(e instanceof RecordIOError)) throw e;
      this.#failed = e;
      if (records.length === 0) throw e;
    }
    return records;
  }

  #decodeInto(chunk: Uint8Array, records: Uint8Array[]): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#expected < 0) {
        const byte = chunk[i++]!;
        if (byte === 0x0a) {
          this.#startPayload();
          if (this.#expected === 0) records.push(this.#finish());
          continue;
        }
        if (byte < 0x30 || byte > 0x39) {
          throw new RecordIOError(
            `Invalid RecordIO length: byte 0x${byte.toString(16)} after "${this.#header}"`,
          );
        }
        this.#header += String.fromCharCode(byte);
        if (this.#header.length > MAX_HEADER_DIGITS) {
          throw new RecordIOError(`RecordIO length line too long: "${this.#header}…"`);
        }
        continue;
      }
      const take = Math.min(this.#expected - this.#have, chunk.length - i);
      this.#parts.push(chunk.subarray(i, i + take).slice());
      this.#have += take;
      i += take;
      if (this.#have === this.#expected) records.push(this.#finish());
    }
  }

  /** True when no partial record is buffered (a clean place for the stream to end). */
  get idle(): boolean {
    return this.#expected < 0 && this.#header === "" && this.#failed === undefined;
  }

  #startPayload() {
    if (this.#header === "") throw new RecordIOError("Empty RecordIO length line");
    const n = Number(this.#header);
    if (n > this.#maxRecordBytes) {
      throw new RecordIOError(`RecordIO record of ${n} bytes exceeds ${this.#maxRecordBytes}`);
    }
    this.#expected = n;
    this.#header = "";
  }

  #finish(): Uint8Array {
    let out: Uint8Array;
    if (this.#parts.length === 1) out = this.#parts[0]!;
    else {
      out = new Uint8Array(this.#expected);
      let off = 0;
      for (const p of this.#parts) {
        out.set(p, off);
        off += p.length;
      }
    }
    this.#parts = [];
    this.#have = 0;
    this.#expected = -1;
    return out;
  }
}

const EMPTY = new Uint8Array();

/** Reads a byte stream as RecordIO records; throws RecordIOError on garbage or truncation. */
export async function* readRecords(
  stream: ReadableStream<Uint8Array>,
  options: { maxRecordBytes?: number } = {},
): AsyncGenerator<Uint8Array> {
  const decoder = new RecordIODecoder(options);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const record of decoder.decode(value)) yield record;
      decoder.decode(EMPTY); // garbage after those records in the same chunk
    }
    if (!decoder.idle) throw new RecordIOError("Stream ended inside a RecordIO record");
  } finally {
    reader.releaseLock();
  }
}
