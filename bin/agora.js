#!/usr/bin/env node
// Entry point of the `agora` command. Agora is written in TypeScript and run through tsx,
// so there is no build step between a change to src/ and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
