/**
 * Entra dynamic membership rules for devices: parse once at group creation (reject what the
 * service rejects), evaluate against every device afterwards. Language summary and deviations:
 * docs/GRAPH-EMULATOR-RULES.md, "Membership rules".
 */
import { compileRule, type RuleSubject } from './compile';
import { INVALID_RULE_PREFIX, RuleSyntaxError } from './errors';
import { tokenize } from './lexer';
import { MAX_RULE_LENGTH, RuleParser } from './parser';

export type { RuleSubject } from './compile';
export { DEVICE_RULE_PROPERTIES } from './properties';
export { MAX_RULE_LENGTH } from './parser';

export type ParsedRule = { ok: true; evaluate(subject: RuleSubject): boolean } | { ok: false; error: string };

export function parseMembershipRule(rule: string): ParsedRule {
  try {
    if (rule.trim() === '') throw new RuleSyntaxError('the rule is empty', undefined);
    if (rule.length > MAX_RULE_LENGTH) {
      throw new RuleSyntaxError(`the rule is ${rule.length} characters long; the maximum is ${MAX_RULE_LENGTH}`, undefined);
    }
    const expression = new RuleParser(tokenize(rule)).parseRule();
    return { ok: true, evaluate: compileRule(expression) };
  } catch (error) {
    if (error instanceof RuleSyntaxError) return { ok: false, error: INVALID_RULE_PREFIX + error.message };
    throw error;
  }
}
