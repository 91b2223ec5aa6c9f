// The reference docs are generated from the schemas; this keeps the committed copies true.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configMarkdown, eventsMarkdown } from '../src/docs/generate.js';
import { envJsonSchemaDocument } from '../src/orchestrator/env-json.js';

test('docs/config.md, docs/events.md and schemas/env.schema.json match the schemas (run `npm run docs` after changing them)', () => {
  assert.equal(readFileSync('docs/config.md', 'utf8'), configMarkdown());
  assert.equal(readFileSync('docs/events.md', 'utf8'), eventsMarkdown());
  assert.deepEqual(JSON.parse(readFileSync('schemas/env.schema.json', 'utf8')), envJsonSchemaDocument());
});
