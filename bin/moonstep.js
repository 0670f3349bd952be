#!/usr/bin/env node
// The moonstep command. The code lives in dist/node/cli.js (built by `npm install`).
import { main } from '../dist/node/cli.js';

const exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = exitCode;
