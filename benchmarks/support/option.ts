// The one command-line reading the simpler benchmarks need: `--name value`.

/** The value after `--name` in argv, or undefined when it is not there. */
export function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}
