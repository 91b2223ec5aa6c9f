// Per-call logs are bounded (invocation.call_logs_kept): the oldest go as new calls end, the
// logs a world already holds count from the start, and other files of executions/ stay.
import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { CallLogs } from '../src/orchestrator/invoke/call-logs.js';
import { callLogPath } from '../src/orchestrator/invoke/tool-run.js';
import { tempDir } from './support/world.js';

const write = (dir: string, call_id: string, age_s: number): string => {
  const path = callLogPath(dir, call_id);
  writeFileSync(path, `log of ${call_id}`);
  const t = Date.now() / 1000 - age_s;
  utimesSync(path, t, t);
  return path;
};

test('call logs past invocation.call_logs_kept are removed oldest first, counting those already there, leaving run logs alone', () => {
  const dir = tempDir('agora-call-logs-');
  writeFileSync(join(dir, 'ex_run1.log'), 'a run log');
  write(dir, 'call_old1', 300);
  write(dir, 'call_old2', 200);
  const logs = new CallLogs(dir, 3);
  logs.ended(write(dir, 'call_new1', 0));
  assert.deepEqual(readdirSync(dir).sort(), ['call-call_new1.log', 'call-call_old1.log', 'call-call_old2.log', 'ex_run1.log']);
  logs.ended(write(dir, 'call_new2', 0));
  logs.ended(write(dir, 'call_new3', 0));
  assert.deepEqual(readdirSync(dir).sort(), ['call-call_new1.log', 'call-call_new2.log', 'call-call_new3.log', 'ex_run1.log']);
  // A log written again (a contract check's id after a restart) is the newest, not a second entry.
  logs.ended(write(dir, 'call_new1', 0));
  logs.ended(write(dir, 'call_new4', 0));
  assert.deepEqual(readdirSync(dir).sort(), ['call-call_new1.log', 'call-call_new3.log', 'call-call_new4.log', 'ex_run1.log']);
});

test('the default keeps 1000 call logs, and 0 keeps none', () => {
  assert.equal(parseConfig({}).invocation.call_logs_kept, 1000);
  const dir = tempDir('agora-call-logs-');
  new CallLogs(dir, 0).ended(write(dir, 'call_x', 0));
  assert.deepEqual(readdirSync(dir), []);
});
