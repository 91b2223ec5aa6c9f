// Full-text search over the artifact directory answers the same on both stores: fts5 MATCH on
// SQLite, a text search over the same columns on PostgreSQL (kernel/artifacts/reads.ts). Whole
// words, case ignored, every word required, in any of name, description, tags and the interface.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAgent, agentToken, servedWorld } from './support/world.js';
import { STORES } from './support/postgres.js';

const ARTIFACTS = [
  { name: 'weather-feed', description: 'Hourly temperature readings', tags: ['climate'] },
  { name: 'price board', description: 'cpu and memory prices per cycle', tags: ['market', 'cpu'] },
  { name: 'categories', description: 'a taxonomy of goods', tags: ['catalogue'] },
];

const QUERIES: [string, string[]][] = [
  ['temperature', ['weather-feed']], // a description word
  ['TEMPERATURE hourly', ['weather-feed']], // case ignored, both words required
  ['temperature cpu', []], // every word required: no artifact has both
  ['cat', []], // whole words only: not "categories" nor "catalogue"
  ['market', ['price board']], // a tag
  ['weather-feed', ['weather-feed']], // a hyphenated name as a phrase
  ['prices cycle', ['price board']],
  ['"; DROP TABLE artifacts; --', []], // quotes and SQL are words like any other
];

for (const store of STORES) {
  test(`artifact full-text search on ${store.name}: whole words, case ignored, all words required, any column`, { skip: store.skip }, async (t) => {
    const { world, api } = await servedWorld(t, store.config());
    addAgent(world, 'alice', 20);
    const alice = agentToken(world, 'alice');
    const ids = new Map<string, string>();
    for (const a of ARTIFACTS) {
      const res = await api.request('POST', '/artifacts', { token: alice, body: { kind: 'data', content: 'x', ...a } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.set(res.body.artifact_id as string, a.name);
    }
    for (const [q, expected] of QUERIES) {
      const res = await api.request('GET', `/artifacts?kind=data&q=${encodeURIComponent(q)}`, { token: alice });
      assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body.items.map((i: { id: string }) => ids.get(i.id)).sort(), expected, q);
    }
  });
}
