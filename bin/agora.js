#!/usr/bin/env node
// Entry point of the `agora` command. Agora is written in TypeScript and run through tsx,
// so there is no build step between a change to src/ and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
// A command is over when main() returns (`agora start` has closed its world by then): nothing
// left behind, such as a half-opened server after a failed start, may keep the process alive.
process.exit();
