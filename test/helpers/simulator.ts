// Test helpers around the simulator: a manual clock, Runa headers, order bodies, and fetch wrappers
// that return status, parsed JSON and raw text together.
import { afterEach } from "vitest";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import { API_VERSION } from "../../src/runa/types.ts";

/** A clock tests move by hand: no test waits through real seconds. */
export class ManualClock {
  constructor(private current = Date.parse("2026-01-15T12:00:00.000Z")) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const running: RunningSimulator[] = [];

/** Starts a simulator on port 0, closed after the test. */
export async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ completionDelayMs: 20, ...options });
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

export const API_KEY = "test-key";

export function runaHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "x-api-key": API_KEY, "x-api-version": API_VERSION, ...extra };
}

export interface Answer {
  status: number;
  text: string;
  /** Parsed JSON (undefined for a non-JSON body). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` so assertions can read any field of any answer
  json: any;
}

export async function call(sim: RunningSimulator, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${sim.url}${path}`, {
    ...init,
    headers: { ...runaHeaders(), ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

export interface ItemSpec {
  product?: string;
  faceValue?: number;
  products?: object;
  email?: string;
}

export function item({ product = "AMZ-US", faceValue = 10, products, email }: ItemSpec = {}): object {
  return {
    face_value: faceValue,
    distribution_method: email === undefined ? { type: "PAYOUT_LINK" } : { type: "EMAIL", email_address: email },
    products: products ?? { type: "SINGLE", value: product },
  };
}

export function orderBody(items: object[] = [item()], currency = "USD", extra: object = {}): string {
  return JSON.stringify({ payment_method: { type: "ACCOUNT_BALANCE", currency }, items, ...extra });
}

export async function postOrder(
  sim: RunningSimulator,
  body: string = orderBody(),
  {
    key = "key-1",
    mode = "async",
    headers = {},
  }: { key?: string; mode?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return call(sim, "/order", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-idempotency-key": key, "x-execution-mode": mode, ...headers },
  });
}

/**
 * Polls GET /order/{id} until it leaves PROCESSING (the simulator's delay is tens of ms in tests).
 * The deadline is generous: the loop returns as soon as the order settles, so it only matters on a
 * machine too busy to poll in time.
 */
export async function untilSettled(sim: RunningSimulator, id: string, timeoutMs = 30_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call(sim, `/order/${id}`);
    if (answer.json?.status !== "PROCESSING" || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
