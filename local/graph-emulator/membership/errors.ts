/**
 * A rule that the service would refuse at group creation. `position` is a 0-based character
 * offset into the rule text so the message can point at the offending spot.
 */
export class RuleSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly position: number | undefined,
  ) {
    super(position === undefined ? detail : `${detail} (at character ${position + 1})`);
    this.name = 'RuleSyntaxError';
  }
}

/**
 * The prefix every rejection carries. The graph-api reference does not document the exact text of
 * the 400 the service returns for a bad rule; the portal shows "Dynamic membership rule validation
 * error: …", so the wording here follows that shape (see docs/GRAPH-EMULATOR-RULES.md).
 */
export const INVALID_RULE_PREFIX = 'Invalid membership rule: ';
