// `agora artifacts` and `agora artifact ID` as a user runs them: a real process reading a real
// world. Names, descriptions and tags are agents' text, printed inert.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { NO_USAGE, publishTool, SMALL_ALLOWANCE } from './support/artifacts.js';
import { addAgent, makeWorld } from './support/world.js';

const HOSTILE = 'x\u001b[2J\rconservation ok\naudit ok\u009b31m\u202egnp.exe';

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'buffer', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr.toString('utf8') };
}

function assertInert(out: Buffer, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    assert.ok(b === 0x0a || (b >= 0x20 && b !== 0x7f), `${what}: raw control byte 0x${b.toString(16)} at ${i}`);
    if (b === 0xc2) assert.ok(out[i + 1]! > 0x9f, `${what}: a C1 control at ${i}`);
    if (b === 0xe2 && out[i + 1] === 0x80) assert.ok(out[i + 2]! < 0xaa || out[i + 2]! > 0xae, `${what}: a bidi override at ${i}`);
  }
  assert.doesNotMatch(out.toString('utf8'), /^(audit|conservation) ok/m, `${what}: the agent forged a line`);
}

test('agora artifacts lists and filters the directory; agora artifact ID shows one, all agent text inert', (t) => {
  const world = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  t.after(() => world.cleanup());
  addAgent(world, 'mallory', 10);
  addAgent(world, 'bob', 10);
  const evil = publishTool(world, 'mallory', { name: HOSTILE, description: HOSTILE, tool: 'forecast' });
  const plain = publishTool(world, 'bob', { name: 'plain doubler', description: 'doubles numbers' });
  const c = world.kernel.artifacts.calls.beginCall({ payer_id: 'bob', caller_id: 'bob', artifact_id: evil, tool: 'forecast', max_price_ucr: 1e6, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'bob' });
  world.kernel.artifacts.calls.settleCall({ call_id: c.call_id, resources: NO_USAGE, duration_ms: 7 }, { actor: 'system:invoke' });
  const config = ['--world', world.paths.dir];

  const list = agora(['artifacts', ...config]);
  assert.equal(list.code, 0, list.stderr);
  assertInert(list.stdout, 'agora artifacts');
  const text = list.stdout.toString('utf8');
  assert.ok(text.indexOf(evil) < text.indexOf(plain), 'the artifact with a verified success ranks first');
  assert.match(text, /\\x1b\[2J/);

  const filtered = agora(['artifacts', '--owner', 'bob', '--kind', 'code', ...config]);
  assert.match(filtered.stdout.toString('utf8'), new RegExp(plain));
  assert.doesNotMatch(filtered.stdout.toString('utf8'), new RegExp(evil));
  const searched = agora(['artifacts', '--q', 'doubles', ...config]);
  assert.match(searched.stdout.toString('utf8'), new RegExp(plain));

  const one = agora(['artifact', evil, ...config]);
  assert.equal(one.code, 0, one.stderr);
  assertInert(one.stdout, 'agora artifact');
  assert.match(one.stdout.toString('utf8'), /usage: 1 calls, 1 ok/);
  const json = agora(['artifact', evil, '--json', ...config]);
  assertInert(json.stdout, 'agora artifact --json');
  assert.equal(JSON.parse(json.stdout.toString('utf8')).usage.successes, 1);
  assert.equal(agora(['artifact', 'art-000000000000', ...config]).code, 1);
});
