// `npm run build:web` (and the postinstall step): builds web/ into web/dist.
import { buildDashboard } from './build.js';

const { files, bytes, ms } = await buildDashboard();
process.stdout.write(`dashboard built: ${files.length} files, ${Math.round(bytes / 1024)} KiB, ${ms} ms\n`);
