export interface ParsedArgs {
  command: string | null;
  options: Record<string, string | true>;
}

/** `command --name value --flag`; values may also be given as `--name=value`. */
export function parseArgs(argv: string[]): ParsedArgs {
  const options: Record<string, string | true> = {};
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        options[arg.slice(2, eq)] = arg.slice(eq + 1);
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        options[arg.slice(2)] = argv[++i];
      } else {
        options[arg.slice(2)] = true;
      }
    } else if (command === null) {
      command = arg;
    } else {
      throw new Error(`Unexpected argument "${arg}"`);
    }
  }
  return { command, options };
}
