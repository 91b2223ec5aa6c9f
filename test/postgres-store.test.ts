// A world on PostgreSQL end to end: `agora audit` through the real CLI (ok, then failing on a
// tampered projection), and one writer per world across world directories sharing a database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { AgoraError } from '../src/base/errors.js';
import { PostgresDb } from '../src/store/postgres.js';
import { addAgent, makeWorld, tempDir } from './support/world.js';
import { onPostgres, postgresSkip } from './support/postgres.js';

const skip = postgresSkip ?? false;

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('agora audit passes on a PostgreSQL world and fails when a projection is tampered with', { skip }, () => {
  const dir = tempDir();
  const config = onPostgres();
  const world = makeWorld({ dir, config });
  addAgent(world, 'alice', 5);
  world.kernel.ledger.transfer({ from_id: 'genesis', to_id: 'alice', amount_ucr: 2_500_000, memo: 'hello' }, { actor: 'genesis' });
  world.cleanup();
  const config_file = join(dir, 'agora.yaml');
  writeFileSync(config_file, toYaml(config));
  const ok = agora(['audit', '--config', config_file, '--world', dir]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /audit ok/);

  const url = (config.store as { postgres: { url: string } }).postgres.url;
  const db = new PostgresDb({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
  db.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 1000000 WHERE id = 'alice'").run();
  db.close();
  const bad = agora(['audit', '--config', config_file, '--world', dir]);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /accounts\s+\d+ rows, 1 differences/);
  assert.match(bad.stdout, /AUDIT FAILED/);
});

test('two world directories on one PostgreSQL database: the second to open is refused, naming the first', { skip }, (t) => {
  const config = onPostgres();
  const first = makeWorld({ config });
  t.after(() => first.cleanup());
  assert.throws(
    () => makeWorld({ config }),
    (err: unknown) => err instanceof AgoraError && err.code === 'CONFLICT' && /in use by "agora pid \d+ \(writer\)"/.test(err.message),
  );
});
