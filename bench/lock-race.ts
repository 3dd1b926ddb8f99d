// The batch lock under a stampede: N processes released at the same moment, R rounds.
// Prints how often two held it at once (must be 0), rounds with no holder, and the time taken.
//   npm run bench:lock -- [processes=8] [rounds=100]
import { raceForLock } from "../test/helpers/lock-race.ts";

const processes = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 100);
const figures = await raceForLock(processes, rounds);
console.log(
  `lock race: ${figures.processes} processes x ${figures.rounds} rounds in ${(figures.elapsedMs / 1000).toFixed(1)} s; ` +
    `two holders at once in ${figures.overlaps} round(s); no holder in ${figures.noHolder}; ${figures.acquisitions} acquisitions; ${figures.errors.length} error(s)`,
);
for (const error of figures.errors.slice(0, 3)) console.log(error);
process.exitCode = figures.overlaps === 0 && figures.errors.length === 0 ? 0 : 1;
