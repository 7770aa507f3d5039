#!/usr/bin/env node
// The b24-timeline command: reads the command's name and hands the rest to it.

import { runMockPortalCommand } from '../mock-portal/command.mjs';
import { CommandError, EXIT, HELP } from './arguments.mjs';
import { runBind } from './bind.mjs';
import { runBindMany } from './bind-many.mjs';

const COMMANDS = { bind: runBind, 'bind-many': runBindMany };

// Resolves with the exit status, or undefined when the command set it itself.
async function main([command, ...args], context) {
  if (command === '--help' || command === 'help') {
    context.stdout.write(HELP.main + '\n');
    return EXIT.bound;
  }
  if (command === undefined) {
    context.stderr.write(HELP.main + '\n');
    return EXIT.usage;
  }
  if (command === 'mock-portal') {
    await runMockPortalCommand(args, 'b24-timeline mock-portal');
    return undefined;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    throw new CommandError(`unknown command '${command}'; commands: bind, bind-many, mock-portal`);
  }
  return run(args, context);
}

const context = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  environment: process.env,
};

main(process.argv.slice(2), context).then(
  (status) => {
    if (status !== undefined) process.exitCode = status;
  },
  (error) => {
    if (error instanceof CommandError) {
      process.stderr.write(`b24-timeline: ${error.message} (see --help)\n`);
      process.exitCode = EXIT.usage;
    } else {
      process.stderr.write(`b24-timeline: unexpected failure: ${error.message}\n`);
      process.exitCode = EXIT.someFailed;
    }
  },
);
