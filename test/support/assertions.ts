// Invariants checked after operations in tests: conservation and a clean audit.
import assert from 'node:assert/strict';
import { audit } from '../../src/kernel/audit.js';
import type { World } from '../../src/orchestrator/open-world.js';

export function assertConserved(world: World): void {
  const c = world.kernel.ledger.conservation();
  assert.ok(c.ok, `conservation broken: ${JSON.stringify(c)}`);
}

export function assertAuditPasses(world: World): void {
  const report = audit(world.db);
  const failing = report.tables.filter((t) => t.differences > 0);
  assert.ok(report.ok, `audit failed: ${JSON.stringify({ failing, problems: report.journal_problems, conservation: report.conservation })}`);
}

export function assertErrorShape(body: unknown, code: string): void {
  assert.ok(body !== null && typeof body === 'object' && 'error' in body, `expected an error body, got ${JSON.stringify(body)}`);
  const error = (body as { error: Record<string, unknown> }).error;
  assert.equal(error.code, code, `expected ${code}, got ${JSON.stringify(error)}`);
  assert.equal(typeof error.message, 'string');
  assert.ok('details' in error && 'retry_after' in error, 'error has every field of the one shape');
}
