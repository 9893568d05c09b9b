/**
 * `lorahpo`: the command line. Each command is a function `(options, deps) → exit code`; this file
 * only parses arguments (commander) and dispatches. `main` never calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { processDeps, type CliDeps } from './deps.ts';
import { terminalSafe } from './terminal-text.ts';
import { crdsCommand, crdsCommandSpec } from './commands/crds.ts';
import { validateCommand, validateCommandSpec } from './commands/validate.ts';
import { runCommand, runCommandSpec } from './commands/run.ts';
import { statusCommand, statusCommandSpec } from './commands/status.ts';
import { VERSION } from '../version.ts';
import { reportCommand, reportCommandSpec } from './commands/report.ts';
import { dashboardCommand, dashboardCommandSpec } from './commands/dashboard.ts';

const DESCRIPTION = `Hyperparameter optimisation of LoRA fine-tuning: TPE, pruners, early stopping.
The same LoraStudy manifest runs on a laptop (lorahpo run) and on Kubernetes (kubectl apply).`;

function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command('lorahpo')
    .description(DESCRIPTION)
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => deps.stdout.write(text), writeErr: (text) => deps.stderr.write(text) });
  const add = (spec: Command, action: (options: never, positionals: string[]) => Promise<number>) => {
    spec
      .exitOverride()
      .configureOutput({ writeOut: (t) => deps.stdout.write(t), writeErr: (t) => deps.stderr.write(t) });
    spec.action(async (...values: unknown[]) => {
      const command = values[values.length - 1] as Command;
      setExit(await action(command.opts() as never, command.args));
    });
    program.addCommand(spec);
  };
  add(runCommandSpec(), (options, args) => runCommand(args[0], options, deps));
  add(validateCommandSpec(), (_options, args) => validateCommand(args, deps));
  add(statusCommandSpec(), (options, args) => statusCommand(args[0], options, deps));
  add(reportCommandSpec(), (options, args) => reportCommand(args[0], options, deps));
  add(dashboardCommandSpec(), (options, args) => dashboardCommand(args[0], options, deps));
  add(crdsCommandSpec(), (options) => crdsCommand(options, deps));
  program
    .command('operator')
    .description('run the Kubernetes controller (see `lorahpo operator --help`)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args: string[]) => {
      // Loaded on demand: the controller pulls in the Kubernetes client, which the local commands never need.
      const { operatorCommand } = await import('./commands/operator.ts');
      setExit(await operatorCommand(args, deps));
    });
  return program;
}

/** Runs the CLI with these arguments (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], deps?: CliDeps): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (deps === undefined) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Piped into `head`: stop quietly, like other command-line tools (a rerun resumes).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') stop();
    });
  }
  let exitCode = 0;
  const given = deps ?? processDeps(controller.signal);
  const safe = { ...given, stdout: terminalSafe(given.stdout), stderr: terminalSafe(given.stderr) };
  const program = buildProgram(safe, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (argv.length === 0) program.outputHelp();
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    safe.stderr.write(`lorahpo: ${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
