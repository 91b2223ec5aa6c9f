// `npm run build:cli` (and the postinstall step): bundles the CLI into build/cli/.
import { buildCli } from './bundle.js';

const { files, bytes, ms } = await buildCli();
process.stdout.write(`cli built: ${files} files, ${Math.round(bytes / 1024)} KiB, ${ms} ms\n`);
