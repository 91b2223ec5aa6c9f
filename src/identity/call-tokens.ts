// Call tokens: `call.<payload>.<hmac>`, one per artifact call. A call token says "artifact call
// X of artifact A@v, on behalf of payer P, at depth d, with this much budget left": never the
// caller's own credentials, so code holding one can do only what artifact code may (invoke
// further artifacts, paid by the same payer, drawing on the same budget; read what P may read).
// Its key is derived from the world's signing key for this purpose alone, so no agent token can
// ever verify as a call token or the other way round.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { CallClaims } from '../base/call-claims.js';
import { openEnvelope, sealEnvelope } from './signed-envelope.js';
import { lazy } from '../base/lazy.js';

export type { CallClaims };

const payloadSchema = lazy(() => z.strictObject({
  c: z.string().min(1),
  p: z.string().min(1),
  d: z.number().int().min(1),
  b: z.number().int().min(0),
  a: z.string().min(1),
  v: z.number().int().min(1),
  e: z.number().int(), // expiry, world time
}));

export const CALL_TOKEN_PREFIX = 'call';

export class CallTokenSigner {
  private readonly key: Buffer;

  constructor(signing_key: Buffer) {
    this.key = createHmac('sha256', signing_key).update('agora call tokens v1').digest();
  }

  mint(claims: CallClaims, expires_world_ms: number): string {
    return sealEnvelope(this.key, CALL_TOKEN_PREFIX, { c: claims.call_id, p: claims.payer_id, d: claims.depth, b: claims.budget_ucr, a: claims.artifact_id, v: claims.version, e: expires_world_ms });
  }

  /** The claims of a well-signed, unexpired call token, else null. Liveness is the caller's check. */
  verify(token: string, now_world_ms: number): CallClaims | null {
    const parsed = openEnvelope(this.key, CALL_TOKEN_PREFIX, payloadSchema(), token, now_world_ms);
    if (parsed === null) return null;
    return { call_id: parsed.c, payer_id: parsed.p, depth: parsed.d, budget_ucr: parsed.b, artifact_id: parsed.a, version: parsed.v };
  }

  static isCallToken(token: string): boolean {
    return token.startsWith(`${CALL_TOKEN_PREFIX}.`);
  }
}
