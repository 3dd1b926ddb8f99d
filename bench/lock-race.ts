// The batch lock under a stampede: N processes released at the same moment, R rounds.
// Prints how often two held it at once (must be 0), rounds with no holder, and the time taken;
// then again with a stale lock (its process gone) planted before every round.
//   npm run bench:lock -- [processes=8] [rounds=100]
import { raceForLock } from "../test/helpers/lock-race.ts";

const processes = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 100);
let failed = false;
for (const staleFirst of [false, true]) {
  const figures = await raceForLock(processes, rounds, { staleFirst });
  console.log(
    `lock race${staleFirst ? " over a stale lock" : ""}: ${figures.processes} processes x ${figures.rounds} rounds in ${(figures.elapsedMs / 1000).toFixed(1)} s; ` +
      `two holders at once in ${figures.overlaps} round(s); no holder in ${figures.noHolder}; ${figures.acquisitions} acquisitions; ${figures.errors.length} error(s)`,
  );
  for (const error of figures.errors.slice(0, 3)) console.log(error);
  failed ||= figures.overlaps > 0 || figures.errors.length > 0;
}
process.exitCode = failed ? 1 : 0;
