// The one error shape of Agora. The API maps `code` to an HTTP status; everything else
// (CLI, orchestrator) prints `code: message`.
export const errorCodes = {
  INVALID_ARGS: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_FUNDS: 402,
  ACCESS_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRICE_ABOVE_MAX: 409,
  DEPTH_LIMIT: 409,
  DELETED: 410,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  LIMIT: 422,
  EXECUTION_ERROR: 500,
  INVALID_OUTPUT: 502,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: unknown; retry_after: number | null };
}

export class AgoraError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retry_after_s: number | null;

  constructor(code: ErrorCode, message: string, details: unknown = null, retry_after_s: number | null = null) {
    super(message);
    this.name = 'AgoraError';
    this.code = code;
    this.details = details;
    this.retry_after_s = retry_after_s;
  }

  get status(): number {
    return errorCodes[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details, retry_after: this.retry_after_s } };
  }
}

/** TigerStyle assertion: a broken invariant is a bug in Agora, never the caller's fault. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
