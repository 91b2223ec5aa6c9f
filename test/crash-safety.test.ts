// A world killed with SIGKILL mid-stream reopens with every committed transfer and a clean audit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { addAgent, makeWorld, tempDir } from './support/world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';

test('SIGKILL in the middle of a stream of transfers loses nothing that was committed', async (t) => {
  const dir = tempDir();
  const seeded = makeWorld({ dir });
  addAgent(seeded, 'alice', 1000);
  addAgent(seeded, 'bob', 1000);
  seeded.cleanup();

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/transfer-stream.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const committed: number[] = [];
  let buffered = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) committed.push(Number(line));
      if (committed.length >= 3000 && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  assert.ok(committed.length >= 3000, `the child committed ${committed.length} transfers before the kill`);

  const reopened = makeWorld({ dir });
  t.after(() => reopened.cleanup());
  const maxSeq = Math.max(...committed);
  const present = reopened.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'credits_transferred' AND seq <= ?").get(maxSeq) as { n: number };
  assert.equal(present.n, committed.length, 'every transfer reported as committed is in the journal');
  assertConserved(reopened);
  assertAuditPasses(reopened);
  // The world keeps working after the crash.
  reopened.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo: 'after' }, { actor: 'alice' });
  assertAuditPasses(reopened);
});
