// The folded state of a batch's journal (JournalState), saved beside it when a run ends
// (`<batch>.state.bin`), so that `status <csv>` need not fold a million-row journal again (parse
// ~500 MB of JSON) before it plans the file. Read only by `status`, and only while the journal is
// exactly as it was saved (beside-journal.ts); `run` always folds the journal it acts on.
//
// A checksummed header line (orders, runs, ...) then the per-row typed arrays as raw bytes, in
// this machine's byte order: the file is never trusted for another journal file, let alone machine.
import { rmSync } from "node:fs";
import { loadBesideJournal, saveBesideJournal } from "./beside-journal.ts";
import { journalSource } from "./batch-journal.ts";
import { JournalState, type StateSnapshot } from "./journal-state.ts";

const SNAPSHOT_VERSION = 1;
type ArrayName = keyof StateSnapshot["arrays"];
/** The arrays in the order they are saved, each with its type. */
const ARRAYS: [ArrayName, Int32ArrayConstructor | Uint32ArrayConstructor][] = [
  ["words", Uint32Array],
  ["slots", Int32Array],
  ["orderOfRow", Int32Array],
  ["placeOfRow", Uint32Array],
  ["generationOfRow", Uint32Array],
];

/** Where a journal's state snapshot is kept: beside it. */
export function snapshotPath(journalPath: string): string {
  return `${journalPath.replace(/\.journal\.jsonl$/, "")}.state.bin`;
}

/** Saves the state of a journal no one is writing to (the caller holds the batch's lock and has closed it). */
export function saveSnapshot(journalPath: string, state: JournalState): void {
  const path = snapshotPath(journalPath);
  rmSync(path, { force: true });
  const snapshot = state.toSnapshot();
  if (!snapshot) return;
  const arrays = ARRAYS.map(([name]) => snapshot.arrays[name]);
  saveBesideJournal(
    path,
    journalPath,
    { v: SNAPSHOT_VERSION, state: snapshot.data, lengths: arrays.map((array) => array.length) },
    arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)),
  );
}

/** saveSnapshot, for the end of a run: a snapshot that cannot be saved only makes `status` fold the journal. */
export function saveSnapshotIfPossible(journalPath: string, state: JournalState): void {
  try {
    saveSnapshot(journalPath, state);
  } catch {
    // e.g. a full disk: status folds the journal itself, which is the truth anyway
  }
}

/**
 * The journal's state from its snapshot, only if the journal is exactly as it was when the snapshot
 * was saved; otherwise undefined, and the caller folds the journal.
 */
export function loadSnapshot(journalPath: string): JournalState | undefined {
  const saved = loadBesideJournal(snapshotPath(journalPath), journalPath);
  const lengths = saved?.header.lengths;
  if (!saved || saved.header.v !== SNAPSHOT_VERSION || !Array.isArray(lengths) || lengths.length !== ARRAYS.length)
    return undefined;
  const arrays: Partial<Record<ArrayName, Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>> = {};
  let offset = 0;
  for (const [index, [name, type]] of ARRAYS.entries()) {
    const length = lengths[index] as unknown;
    if (!Number.isSafeInteger(length) || (length as number) < 0) return undefined;
    const array = new type(length as number); // a copy: typed arrays need aligned memory
    const bytes = saved.data.subarray(offset, offset + array.byteLength);
    if (bytes.length !== array.byteLength) return undefined;
    Buffer.from(array.buffer).set(bytes);
    arrays[name] = array;
    offset += array.byteLength;
  }
  if (offset !== saved.data.length) return undefined;
  try {
    const snapshot = { data: saved.header.state, arrays } as StateSnapshot;
    return JournalState.fromSnapshot(snapshot, journalSource(journalPath));
  } catch {
    return undefined; // not a state this version can read: fold the journal
  }
}
