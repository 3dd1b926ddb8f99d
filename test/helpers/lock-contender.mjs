// A process that races for a batch lock whenever its parent says "go", for the lock stress test
// and bench. While it holds the lock it creates a marker with O_EXCL: if the marker is already
// there, another process holds the lock at the same time, which must never happen.
// Runs the compiled lock (dist/), as the CLI does.
import { closeSync, openSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BatchLock } from "../../dist/journal/batch-lock.js";

const [lockPath, markerDirectory] = process.argv.slice(2);
const marker = join(markerDirectory, "holder");
const hold = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

process.on("message", (message) => {
  if (message === "exit") process.exit(0);
  const report = { round: message.round, held: false, overlap: false, error: undefined };
  let lock;
  try {
    lock = BatchLock.acquire(lockPath, "stress");
  } catch (error) {
    if (error?.code !== "batch_locked") report.error = String(error?.stack ?? error);
    process.send(report);
    return;
  }
  report.held = true;
  try {
    closeSync(openSync(marker, "wx"));
    hold(message.holdMs);
    unlinkSync(marker);
  } catch (error) {
    if (error?.code === "EEXIST") report.overlap = true;
    else report.error = String(error?.stack ?? error);
  } finally {
    lock.release();
  }
  process.send(report);
});
process.send({ ready: true });
