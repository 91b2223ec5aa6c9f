// Schemas shared by several route plugins.
import { z } from 'zod';
import type { Config } from '../config/schema.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown(),
      retry_after: z.number().nullable(),
    }),
  })
  .describe('The one error shape of Agora.');

/** Decimal credits as the API speaks them: a JSON number or a decimal string, at most 6 decimals. */
export const creditsInput = z
  .union([z.number(), z.string().max(40)])
  .describe('Credits, at most 6 decimals (1 µcr). A JSON number or a decimal string.');

export const agentIdParam = z.string().min(1).max(64).describe('Agent id');

export function limitQuery(config: Config) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(config.server.page_size_max)
    .default(config.server.page_size_default)
    .describe(`Page size (1 to ${config.server.page_size_max})`);
}

/** Common error responses, so every route's OpenAPI entry lists them. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  402: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  410: errorSchema,
  429: errorSchema,
} as const;
