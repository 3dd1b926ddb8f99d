// Preloaded into a benchmarked child (`node --import`): when it exits, writes its peak RSS (KB) and
// the CPU time it used (ms, user + system) as JSON to the file named by BENCH_USAGE_FILE. CPU time
// shows what a run costs even when a busy machine stretches its wall time. Plain JavaScript: the
// child runs no tsx.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, cpuMs: (user + system) / 1000 }));
  });
}
