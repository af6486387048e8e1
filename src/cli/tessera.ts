/** The `tessera` command line: `tessera policy check|validate|schema`. */
import { pathToFileURL } from 'node:url';
import { POLICY_USAGE, policyCommand, type CliIo } from './policy-command.js';

const USAGE = `tessera: the Tessera command line\n\n${POLICY_USAGE}\n`;

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'policy') return policyCommand(rest, io);
  io.stderr(USAGE);
  return cmd === 'help' || cmd === '--help' ? 0 : 2;
}

function defaultIo(): CliIo {
  return { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
