// An agent's trace.log on its dashboard page is read through SafeDir: the agent owns the
// workspace, so a trace.log that is a link to a host file or a FIFO is refused, never followed
// or waited on; a regular one is served from its end, bounded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addAgent, servedWorld } from './support/world.js';

test("the trace route serves a regular trace.log's end and refuses a link or a FIFO", async (t) => {
  const { world, api } = await servedWorld(t, { operator: { log_tail_bytes_default: 10, log_tail_bytes_max: 100 } });
  addAgent(world, 'writer', 1);
  addAgent(world, 'linker', 1);
  addAgent(world, 'piper', 1);
  const ws = (id: string) => {
    const dir = join(world.paths.dir, 'workspaces', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const op = (id: string) => api.request('GET', `/operator/agents/${id}/trace`, { token: world.operator_token });

  ws('writer');
  assert.deepEqual((await op('writer')).body.exists, false, 'no trace yet');
  writeFileSync(join(ws('writer'), 'trace.log'), 'first thought\nsecond thought\n');
  const served = await op('writer');
  assert.equal(served.status, 200);
  assert.deepEqual([served.body.exists, served.body.size_bytes, served.body.text], [true, 29, 'd thought\n']);

  symlinkSync('/etc/passwd', join(ws('linker'), 'trace.log'));
  const linked = await op('linker');
  assert.equal(linked.status, 403);
  assert.doesNotMatch(JSON.stringify(linked.body), /root:/, 'nothing of the host file');

  execFileSync('mkfifo', [join(ws('piper'), 'trace.log')]);
  const piped = await op('piper');
  assert.equal(piped.status, 403, 'a FIFO is refused at once, not waited on');
  assert.equal((await api.request('GET', '/operator/agents/writer/trace')).status, 401, 'the operator\'s only');
});
