// `npm run docs`: rewrites the generated reference pages.
import { writeFileSync } from 'node:fs';
import { configMarkdown, eventsMarkdown } from './docs.js';

writeFileSync('docs/config.md', configMarkdown());
writeFileSync('docs/events.md', eventsMarkdown());
process.stdout.write('wrote docs/config.md and docs/events.md\n');
