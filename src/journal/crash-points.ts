// Named instants where a test can kill the process with SIGKILL, to prove the journal makes every
// one of them safe. RUNA_BATCH_CRASH_AT=<point>:<n> kills at the n-th time the run passes <point>.
// Unset (always, outside tests) it costs one comparison.

export type CrashPoint =
  | "planned" // key and body journaled, nothing sent
  | "before-post" // POST journaled as under way, not sent yet
  | "after-post" // Runa answered (the order may exist), the answer not journaled yet
  | "accepted" // order id journaled
  | "after-poll" // Runa said COMPLETED or FAILED, not journaled yet
  | "settled" // final state journaled
  | "before-results"; // every order done, results file not written yet

const setting = process.env.RUNA_BATCH_CRASH_AT ?? "";
const [target, nth] = setting.split(":");
let remaining = Number(nth ?? 1);

export function crashPoint(point: CrashPoint): void {
  if (point !== target) return;
  remaining -= 1;
  if (remaining === 0) process.kill(process.pid, "SIGKILL"); // a real crash: no handler, no flush
}

// RUNA_BATCH_WRITE_FAULT=<n>:<CODE> (tests only) makes the n-th journal write and every one after
// it fail with CODE (ENOSPC, EROFS, EACCES, EISDIR), as a disk that fills or turns read-only
// part-way through a run would, even for root, who ignores permission bits.
const [faultAt, faultCode] = (process.env.RUNA_BATCH_WRITE_FAULT ?? "").split(":");
let writesBeforeFault = Number(faultAt ?? 0);

export function writeFault(): void {
  if (!faultCode) return;
  writesBeforeFault -= 1;
  if (writesBeforeFault > 0) return;
  throw Object.assign(new Error(`${faultCode}: injected write fault, write`), { code: faultCode, syscall: "write" });
}
