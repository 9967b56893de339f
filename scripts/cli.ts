/** The little the scripts' command lines share: `--flag value` options and an error exit without a stack trace. */
export function cliOption(argv: readonly string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

export function runCli(main: (argv: string[]) => void): void {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
