// `npm run docs`: rewrites the generated reference pages.
import { writeFileSync } from 'node:fs';
import { envJsonSchemaDocument } from '../orchestrator/env-json.js';
import { configMarkdown, eventsMarkdown } from './generate.js';

writeFileSync('docs/config.md', configMarkdown());
writeFileSync('docs/events.md', eventsMarkdown());
writeFileSync('schemas/env.schema.json', JSON.stringify(envJsonSchemaDocument(), null, 2) + '\n');
process.stdout.write('wrote docs/config.md, docs/events.md and schemas/env.schema.json\n');
