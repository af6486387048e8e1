#!/usr/bin/env node
// The `tessera` command (see src/cli/tessera.ts): runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/tessera.ts');
process.exitCode = await main(process.argv.slice(2));
