// Deterministic idempotency keys. The same row of the same batch gets the same key on every run, so
// a re-run within Runa's 30-day window replays the original order instead of paying again. The
// generation advances only after a final 4xx: Runa replays a rejected key's error for 30 days, so a
// fixed cause (balance topped up) needs a new key to ever succeed.
import { v5 as uuidv5 } from "uuid";

/** Fixed namespace for runa-batch keys (a random v4, chosen once; changing it would re-key every batch). */
const RUNA_BATCH_NAMESPACE = "3c1c3a8e-6f0b-4f7e-9a55-0d7a2b9e41c6";

export function idempotencyKey(batchId: string, fingerprint: string, generation: number): string {
  return uuidv5(`runa-batch/v1\n${batchId}\n${fingerprint}\n${generation}`, RUNA_BATCH_NAMESPACE);
}

/**
 * The key of an order that carries several rows: derived from its rows' keys in order, so the
 * same group always gets the same key. A one-row order simply uses its row's key.
 */
export function orderKey(rowKeys: readonly string[]): string {
  if (rowKeys.length === 1) return rowKeys[0]!;
  return uuidv5(`runa-batch/group/v1\n${rowKeys.join("\n")}`, RUNA_BATCH_NAMESPACE);
}
