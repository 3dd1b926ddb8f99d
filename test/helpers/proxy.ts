// A fault-injecting HTTP proxy in front of the simulator: it forwards every request, and for the
// POSTs it chooses, answers something other than Runa's answer AFTER the simulator has answered
// (and so committed the order). Stands in for a load balancer or gateway between us and Runa.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/** What the proxy answers instead of the simulator's answer. */
export interface ForeignAnswer {
  status: number;
  body: string;
  contentType: string;
}

export const HTML_408: ForeignAnswer = {
  status: 408,
  contentType: "text/html",
  body: "<html><head><title>408 Request Time-out</title></head><body><h1>408 Request Time-out</h1>Your browser didn't send a complete request in time.</body></html>",
};

export interface FaultProxy {
  url: string;
  /** POST /order answers replaced so far. */
  replaced: number;
  close(): Promise<void>;
}

const running: FaultProxy[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((proxy) => proxy.close()));
});

/** Which POST /order (from 1) and its idempotency key. */
export interface PostSeen {
  n: number;
  key: string;
}

export interface ProxyFaults {
  /** Asked before forwarding: an answer here means the simulator never sees the POST. */
  before?: (post: PostSeen) => ForeignAnswer | undefined;
  /** Asked once the simulator answered (and so committed): an answer here replaces the real one. */
  after?: (post: PostSeen, answer: { status: number; body: string }) => ForeignAnswer | undefined;
  /** Asked for every request first: an answer here is sent instead of forwarding it. */
  route?: (method: string, path: string) => ForeignAnswer | undefined;
  /** Passed on as every answer's X-Api-Version instead of the simulator's. */
  apiVersion?: string;
}

export async function faultProxy(target: string, faults: ProxyFaults): Promise<FaultProxy> {
  let posts = 0;
  const proxy: FaultProxy = { url: "", replaced: 0, close: async () => undefined };
  const answer = (response: ServerResponse, foreign: ForeignAnswer): void => {
    proxy.replaced += 1;
    response.writeHead(foreign.status, { "content-type": foreign.contentType });
    response.end(foreign.body);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && !["host", "connection", "content-length"].includes(name))
          headers[name] = value;
      }
      const method = request.method ?? "GET";
      const routed = faults.route?.(method, (request.url ?? "").split("?")[0] ?? "");
      if (routed) return answer(response, routed);
      const isOrderPost = method === "POST" && (request.url ?? "").split("?")[0] === "/order";
      const post = isOrderPost ? { n: ++posts, key: headers["x-idempotency-key"] ?? "" } : undefined;
      const early = post ? faults.before?.(post) : undefined;
      if (early) return answer(response, early);
      const upstream = await fetch(`${target}${request.url ?? "/"}`, {
        method,
        headers,
        ...(method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = await upstream.text();
      const late = post ? faults.after?.(post, { status: upstream.status, body }) : undefined;
      if (late) return answer(response, late);
      const passed: Record<string, string> = {
        "content-type": upstream.headers.get("content-type") ?? "application/json",
      };
      const version = faults.apiVersion ?? upstream.headers.get("x-api-version");
      if (version) passed["x-api-version"] = version;
      response.writeHead(upstream.status, passed);
      response.end(body);
    })().catch(() => request.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  running.push(proxy);
  return proxy;
}
