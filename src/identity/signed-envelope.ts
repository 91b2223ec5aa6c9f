// The one format of Agora's signed tokens: `<prefix>.<base64url JSON payload>.<HMAC-SHA256>`.
// Agent tokens and call tokens differ in prefix, key and payload schema, never in how they are
// sealed and opened, so the constant-time check and the strict parse live here once.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

/** The payload's fields every envelope carries: its expiry in world time. */
interface Expiring {
  e: number;
}

export function sealEnvelope(key: Buffer, prefix: string, payload: Expiring & Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${prefix}.${body}.${mac(key, body)}`;
}

/** The payload of a well-signed, unexpired envelope with this prefix, else null. */
export function openEnvelope<S extends z.ZodType<Expiring>>(key: Buffer, prefix: string, schema: S, token: string, now_world_ms: number): z.infer<S> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix) return null;
  const [, body, signature] = parts as [string, string, string];
  if (!secretsEqual(mac(key, body), signature)) return null;
  let parsed: z.infer<S>;
  try {
    parsed = schema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return null;
  }
  return parsed.e <= now_world_ms ? null : parsed;
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
