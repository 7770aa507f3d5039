#!/usr/bin/env node
// Command line for the mock portal: starts it, says where it listens, serves until stopped.

import { runMockPortalCommand } from './command.mjs';

runMockPortalCommand(process.argv.slice(2), 'mock-portal').catch((error) => {
  console.error(`mock-portal: ${error.message}`);
  process.exitCode = 1;
});
