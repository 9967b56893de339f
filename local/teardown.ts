/**
 * Undo steps collected while something starts up (a child process, a server, a temp dir), run last
 * first. Every step runs even when an earlier one throws, so a failing stop cannot leave the rest
 * of a stack running; the first error is rethrown once all have run.
 */
export class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /**
   * For a start-up that failed with `error`: undoes what had started, then rethrows `error` (with
   * the teardown's own failure alongside, when there is one, rather than hiding either).
   */
  async abandon(error: unknown): Promise<never> {
    try {
      await this.run();
    } catch (teardownError) {
      throw new AggregateError([error, teardownError], `start-up failed (${String(error)}), and stopping what had started failed too`, {
        cause: teardownError,
      });
    }
    throw error;
  }
}
