// `agora agents` (the lineage tree) and `agora inbox AGENT` on a world with a family and mail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { spawnChild } from '../src/orchestrator/spawn.js';
import { addAgent, makeWorld, tempDir } from './support/world.js';
import { credits } from './support/market.js';

const agora = (args: string[]) => spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 30_000 });

test('agora agents draws the lineage tree; agora inbox shows the latest messages without marking them read', async () => {
  const dir = tempDir();
  const world = makeWorld({ dir });
  const k = world.kernel;
  const spawn = (parent_id: string) => spawnChild(world, { parent_id, initial_ucr: parent_id === 'genesis' ? credits(50) : credits(20), files: {}, copy_self: false, note: '' }, { actor: parent_id });
  const child = (await spawn('genesis')).child.id;
  const grandchild = (await spawn(child)).child.id;
  addAgent(world, 'loner', 1);
  k.social.setProfile({ agent_id: grandchild, description: 'the youngest' }, { actor: grandchild });
  for (let i = 0; i < 3; i++) k.social.sendMessage({ from_id: grandchild, to_id: child, content: `note ${i}` }, { actor: grandchild });
  world.cleanup();

  const tree = agora(['agents', '--world', dir]);
  assert.equal(tree.status, 0, tree.stderr);
  const lines = tree.stdout.split('\n');
  const at = (id: string) => lines.findIndex((l) => l.includes(id));
  assert.match(lines[at('genesis')]!, /^genesis\s+alive\s+gen 0/);
  assert.match(lines[at(child)]!, new RegExp(`^└─ ${child}\\s+alive\\s+gen 1`));
  assert.match(lines[at(grandchild)]!, new RegExp(`^   └─ ${grandchild}\\s+alive\\s+gen 2 .*"the youngest"`));
  assert.match(lines[at('loner')]!, /^loner\s+alive\s+gen 0/, 'an agent without a parent is a root');
  assert.match(tree.stdout, /4 agents: 4 alive, 0 dormant, 0 dead; 3 generations/);
  const json = agora(['agents', '--json', '--world', dir]);
  assert.equal(JSON.parse(json.stdout).length, 4);

  const inbox = agora(['inbox', child, '-n', '2', '--world', dir]);
  assert.equal(inbox.status, 0, inbox.stderr);
  assert.match(inbox.stdout, /3 messages held, 3 unread/);
  assert.doesNotMatch(inbox.stdout, /note 0/, 'only the latest two');
  assert.ok(inbox.stdout.indexOf('note 1') < inbox.stdout.indexOf('note 2'), 'oldest of them first');
  const again = JSON.parse(agora(['inbox', child, '--json', '--world', dir]).stdout);
  assert.equal(again.unread, 3, 'looking marked nothing read');
  assert.equal(agora(['inbox', 'nobody', '--world', dir]).status, 1);
});
