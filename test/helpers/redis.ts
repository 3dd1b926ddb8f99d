// A real redis-server per test file, on a free port, with nothing persisted, stopped afterwards.
// Where redis-server is missing the tests that need it are skipped LOUDLY; under CI (CI or
// RUNA_BATCH_REQUIRE_REDIS set, as .ci/run does) a missing redis-server fails instead.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { delimiter, join } from "node:path";

const STARTUP_TIMEOUT_MS = 5_000;

/** The redis-server on PATH, if any. */
export function findRedisServer(path = process.env.PATH ?? ""): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const mustHaveRedis = Boolean(process.env.CI) || Boolean(process.env.RUNA_BATCH_REQUIRE_REDIS);

/**
 * True when the Redis tests cannot run here: warns with the reason (so a skip is never silent), and
 * throws under CI, where skipping them would hide a broken shared budget.
 */
export function redisMissing(): boolean {
  if (findRedisServer()) return false;
  const reason =
    "redis-server is not on PATH: the shared-budget (--redis-url) tests cannot run. Install it: apt-get install -y redis-server";
  if (mustHaveRedis) throw new Error(`${reason} (CI must not skip these tests)`);
  console.warn(`\n*** SKIPPING Redis tests: ${reason} ***\n`);
  return true;
}

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RunningRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error("redis-server is not on PATH");
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    try {
      await untilPong(port, child);
      return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(child) };
    } catch (error) {
      await stopProcess(child);
      lastError = new Error(
        `redis-server on port ${port} did not start: ${error instanceof Error ? error.message : String(error)}\n${output}`,
      );
    }
  }
  throw lastError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function untilPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no PONG within ${STARTUP_TIMEOUT_MS} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let answer = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
