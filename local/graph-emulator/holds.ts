/**
 * Holding requests, for tests that need a moment to happen deterministically — a host killed while
 * its import call is in flight, say — instead of aiming at it with a clock. A hold rule matches a
 * method and a path fragment — of the request, or of one of a $batch's requests (then the whole
 * $batch is held); the next matching request(s) wait until released:
 * - `before`: the service has not seen it yet. Released after its client went away, it is dropped
 *   unprocessed (the call never arrived); released with the client still there, it proceeds.
 * - `after`: the service processed it; the answer waits (the answer is lost if the client dies).
 * Control API: POST /_emulator/holds, GET /_emulator/holds, POST /_emulator/holds/release.
 */
import { z } from 'zod';

export const HoldRuleSchema = z.strictObject({
  method: z.string().optional(),
  /** A fragment of the path below the version root, e.g. `/importedWindowsAutopilotDeviceIdentities/import`. */
  path: z.string().min(1),
  when: z.enum(['before', 'after']),
  /** How many matching requests to hold (default 1). */
  count: z.number().int().min(1).default(1),
});
export type HoldRule = z.infer<typeof HoldRuleSchema>;

interface Waiting {
  rule: HoldRule;
  method: string;
  path: string;
  /** Whether the client's connection has closed (a test waits for this before releasing). */
  gone: () => boolean;
  release: () => void;
}

export class Holds {
  private rules: (HoldRule & { left: number })[] = [];
  private readonly waiting: Waiting[] = [];

  add(rule: HoldRule): void {
    this.rules.push({ ...rule, left: rule.count });
  }

  /** The rule that holds this request, if any (taking one of its count). */
  claim(method: string, path: string): HoldRule | undefined {
    const rule = this.rules.find((r) => r.left > 0 && (!r.method || r.method.toUpperCase() === method) && path.includes(r.path));
    if (!rule) return undefined;
    rule.left--;
    return rule;
  }

  /** Waits until the hold is released. */
  wait(rule: HoldRule, method: string, path: string, gone: () => boolean): Promise<void> {
    return new Promise((resolve) => this.waiting.push({ rule, method, path, gone, release: resolve }));
  }

  /** Lets every held request go on and forgets the rules. */
  releaseAll(): number {
    const n = this.waiting.length;
    for (const w of this.waiting.splice(0)) w.release();
    this.rules = [];
    return n;
  }

  status(): {
    rules: { path: string; when: string; left: number }[];
    waiting: { method: string; path: string; when: string; clientGone: boolean }[];
  } {
    return {
      rules: this.rules.map((r) => ({ path: r.path, when: r.when, left: r.left })),
      waiting: this.waiting.map((w) => ({ method: w.method, path: w.path, when: w.rule.when, clientGone: w.gone() })),
    };
  }
}
