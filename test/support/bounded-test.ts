// `test` with a deadline. A test that waits forever (a run whose end was never seen, a fetch
// that never answers) must fail under its own name, not hold the whole suite until CI's
// budget runs out: node's runner bounds only whole files (--test-timeout), and a file it
// cancels reports none of its tests.
import { test as nodeTest, type TestContext, type TestOptions } from 'node:test';

/** Far above any one test's time on a loaded 2-core machine (the slowest here take ~10 s). */
export const TEST_TIMEOUT_MS = 120_000;

type Body = (t: TestContext) => void | Promise<void>;

export function test(name: string, body: Body): Promise<void>;
export function test(name: string, options: TestOptions, body: Body): Promise<void>;
export function test(name: string, a: TestOptions | Body, b?: Body): Promise<void> {
  const options = typeof a === 'function' ? {} : a;
  const body = typeof a === 'function' ? a : b!;
  return nodeTest(name, { timeout: TEST_TIMEOUT_MS, ...options }, body);
}
