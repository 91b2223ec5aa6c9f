// `agora replay` after the attack suite (issue 17): a world in which a hostile agent, from a
// real bwrap sandbox, runs a representative set of the suite's attacks in every run (links
// and a FIFO planted in its workspace and over a file the host reads back, a write past its
// disk allowance, a body past the server's limit, identity fields naming another agent) while
// an honest agent trades beside it. Each attack is refused, and still the journal re-folds to
// every cycle hash the world recorded: what the attacks left is all in the journal.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import { replayJournal } from '../src/kernel/replay.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { runSimulated } from './support/simulated.js';
import { addAgent, type TestWorld } from './support/world.js';

const skip = sandboxUnavailable();
const CYCLES = 5;
const MIB = 1 << 20;
const CONFIG: ConfigInput = {
  market: { clearing_interval_s: 10 },
  llm: { mode: 'replay' },
  sandbox: { runner: 'bwrap' },
  workspace: { bytes_max: 16 * MIB, inodes_max: 256 },
  agents: { genesis_first_bid: { credits: 0 } },
};

function install(world: TestWorld): void {
  for (const [id, file] of [['attacker', 'attacker.js'], ['victim', 'bidder.js']] as const) {
    addAgent(world, id, 50);
    const dir = world.workspaces.dir(world.workspaces.create(id));
    copyFileSync(join('test/fixtures/agents', file), join(dir, 'main.js'));
    world.kernel.market.placeBid({ payer_id: id, amount_ucr: credits(1), bundle: bundle({ cpu_s: 2, memory_mb: 128, duration_s: 60 }) }, { actor: id });
  }
}

let world: TestWorld;
before(async () => {
  if (skip) return;
  world = await runSimulated({ cycles: CYCLES, seed: 3, config: CONFIG, install });
});
after(() => world?.cleanup());

interface Seen { what?: string; path?: string; ok?: boolean; status?: number; code?: string | null }

test('the attacks ran in a real sandbox and each was refused', { skip }, () => {
  const logs_dir = world.paths.executions;
  const dump = () => readdirSync(logs_dir).map((f) => readFileSync(join(logs_dir, f), 'utf8')).join('\n').slice(0, 3000);
  const file = join(world.workspaces.dir(world.kernel.agents.require('attacker').workspace), 'attacks.log');
  const ended = world.db.prepare("SELECT data FROM events WHERE type = 'execution_ended'").all();
  assert.ok(existsSync(file), `the attacker kept its log: ${JSON.stringify(ended)} ${dump()}`);
  const runs = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen[]);
  assert.ok(runs.length >= 2, `the attacker ran in several cycles: ${runs.length}`);
  for (const seen of runs) {
    const answer = (i: number) => seen[i]!;
    assert.deepEqual(seen.slice(0, 5).map((a) => a.ok), [true, true, true, true, true], 'links and a FIFO planted in its workspace');
    assert.ok(answer(5).status === 413 || answer(5).code === 'ECONNRESET', `a body past server.body_limit_bytes is refused: ${JSON.stringify(answer(5))}`);
    assert.ok([400, 403].includes(answer(6).status!), `a bid paid from another balance is refused: ${answer(6).status}`);
    assert.equal(answer(7).status, 403, 'a seed-era bid naming another agent');
    assert.equal(answer(8).status, 403, 'a message from another agent');
    assert.equal(answer(9).status, 201, 'its own message goes through');
  }
  const ends = world.db.prepare("SELECT json_extract(data, '$.reason') AS reason FROM events WHERE type = 'execution_ended' AND json_extract(data, '$.agent_id') = 'attacker'").all() as { reason: string }[];
  const logs = readdirSync(world.paths.executions).map((f) => readFileSync(join(world.paths.executions, f), 'utf8')).join('');
  assert.ok(ends.length >= 2, JSON.stringify(ends));
  // The disk write came last in each run: refused in the sandbox (no space) or the run ended for it.
  assert.ok(ends.every((e) => e.reason === 'killed_disk' || e.reason === 'exit') && /"what":"a write past the disk allowance","ok":false/.test(logs) || ends.some((e) => e.reason === 'killed_disk'), `${JSON.stringify(ends)} ${logs.slice(0, 2000)}`);
  // The host's snapshots of the planted workspace skipped the links and the FIFO.
  const skipped = world.db.prepare("SELECT MAX(json_extract(data, '$.skipped')) AS n FROM events WHERE type = 'workspace_recorded' AND json_extract(data, '$.agent_id') = 'attacker'").get() as { n: number };
  assert.ok(skipped.n >= 4, `links and FIFO were not followed into the history: ${skipped.n}`);
  const victim_msgs = world.db.prepare("SELECT COUNT(*) AS n FROM social_messages WHERE recipient_id = 'victim' AND content = 'forged'").get() as { n: number };
  assert.equal(victim_msgs.n, 0, 'no forged message was delivered');
});

test('agora replay passes on the world after the attacks: replay ok for every cycle', { skip }, () => {
  const result = replayJournal(world.db);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.cycles_checked, CYCLES);
  assertConserved(world);
  assertAuditPasses(world);
});
