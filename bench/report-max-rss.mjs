// Preloaded into a benchmarked child (`node --import`): writes the process's peak RSS, in kilobytes,
// to the file named by BENCH_MAX_RSS_FILE when it exits. Plain JavaScript: the child runs no tsx.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_MAX_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
