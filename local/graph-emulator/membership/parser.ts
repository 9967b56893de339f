import type { ComparisonOperator, ComparisonTarget, RuleExpression, RuleValue } from './ast';
import { RuleSyntaxError } from './errors';
import type { Token } from './lexer';
import { lookupDeviceProperty, type DeviceRuleProperty } from './properties';

/** The documented limit on the body of a membership rule. */
export const MAX_RULE_LENGTH = 3072;

const COMPARISON_OPERATORS: Record<string, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  startswith: 'startsWith',
  notstartswith: 'notStartsWith',
  endswith: 'endsWith',
  notendswith: 'notEndsWith',
  contains: 'contains',
  notcontains: 'notContains',
  match: 'match',
  notmatch: 'notMatch',
  in: 'in',
  notin: 'notIn',
};

// Operators the language has but that no device attribute accepts (they apply to dateTime user
// properties only); named so the message says "not supported here" rather than "unknown".
const NON_DEVICE_OPERATORS = new Set(['le', 'ge', 'plus', 'minus']);

/**
 * Recursive-descent parser. Precedence, highest first, as the Entra reference lists it:
 * comparisons; -not; -and; -or. -any/-all take a parenthesised condition over `_`, or a single
 * `_ <op> <value>` comparison when written without parentheses.
 */
export class RuleParser {
  private index = 0;
  private memberOfUsed = false;
  /** What `_` (or group.objectId) stands for inside the -any/-all being parsed. */
  private itemKind: 'string' | 'groupId' = 'string';

  constructor(private readonly tokens: Token[]) {}

  parseRule(): RuleExpression {
    if (this.peek().kind === 'end') throw new RuleSyntaxError('the rule is empty', 0);
    const expression = this.parseOr(false);
    const rest = this.peek();
    if (rest.kind === 'rparen') throw new RuleSyntaxError("unbalanced parentheses: unexpected ')'", rest.pos);
    if (rest.kind !== 'end') throw new RuleSyntaxError(`expected -and, -or or the end of the rule, found ${describe(rest)}`, rest.pos);
    if (this.memberOfUsed && !isSingleQuantifier(expression)) {
      throw new RuleSyntaxError('memberOf cannot be combined with other expressions in the same rule', undefined);
    }
    return expression;
  }

  private parseOr(inItem: boolean): RuleExpression {
    let left = this.parseAnd(inItem);
    while (this.isLogical('or')) {
      this.index++;
      left = { type: 'or', left, right: this.parseAnd(inItem) };
    }
    return left;
  }

  private parseAnd(inItem: boolean): RuleExpression {
    let left = this.parseNot(inItem);
    while (this.isLogical('and')) {
      this.index++;
      left = { type: 'and', left, right: this.parseNot(inItem) };
    }
    return left;
  }

  private parseNot(inItem: boolean): RuleExpression {
    if (this.isLogical('not')) {
      this.index++;
      return { type: 'not', operand: this.parseNot(inItem) };
    }
    return this.parsePrimary(inItem);
  }

  private parsePrimary(inItem: boolean): RuleExpression {
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.index++;
      const inner = this.parseOr(inItem);
      this.expectClosingParen(token.pos);
      return inner;
    }
    if (token.kind === 'end') throw new RuleSyntaxError('the rule ends where an expression was expected', token.pos);
    if (token.kind !== 'word')
      throw new RuleSyntaxError(`expected a property such as device.displayName, found ${describe(token)}`, token.pos);
    this.index++;
    if (inItem) return this.parseItemComparison(token);
    return this.parsePropertyExpression(token);
  }

  private parseItemComparison(token: Extract<Token, { kind: 'word' }>): RuleExpression {
    const expected = this.itemKind === 'string' ? '_' : 'group.objectId';
    if (token.text.toLowerCase() !== expected.toLowerCase()) {
      throw new RuleSyntaxError(`inside -any/-all the condition must refer to ${expected}, found '${token.text}'`, token.pos);
    }
    const target: ComparisonTarget = { type: 'item', itemKind: this.itemKind };
    return this.parseComparison(target, expected, this.itemKind === 'groupId' ? 'groupId' : 'string');
  }

  private parsePropertyExpression(token: Extract<Token, { kind: 'word' }>): RuleExpression {
    const property = this.resolveProperty(token);
    const operatorToken = this.peek();
    const quantifier = this.operatorName(operatorToken);
    if (quantifier === 'any' || quantifier === 'all') {
      this.index++;
      return this.parseQuantified(property, quantifier, operatorToken.pos);
    }
    if (property.kind === 'groupCollection') {
      throw new RuleSyntaxError('memberOf must be used as: device.memberOf -any (group.objectId -in [...])', operatorToken.pos);
    }
    const valueKind = property.kind === 'boolean' ? 'boolean' : 'string';
    return this.parseComparison({ type: 'property', property }, `device.${property.name}`, valueKind);
  }

  private parseQuantified(property: DeviceRuleProperty, quantifier: 'any' | 'all', pos: number): RuleExpression {
    if (property.kind !== 'stringCollection' && property.kind !== 'groupCollection') {
      throw new RuleSyntaxError(
        `invalid operands found for operator -${quantifier}: device.${property.name} is not a multi-valued property`,
        pos,
      );
    }
    if (property.kind === 'groupCollection') {
      if (quantifier !== 'any') throw new RuleSyntaxError('memberOf supports only -any', pos);
      this.memberOfUsed = true;
    }
    this.itemKind = property.kind === 'groupCollection' ? 'groupId' : 'string';
    const open = this.peek();
    let condition: RuleExpression;
    if (open.kind === 'lparen') {
      this.index++;
      condition = this.parseOr(true);
      this.expectClosingParen(open.pos);
    } else if (open.kind === 'end') {
      throw new RuleSyntaxError(`invalid operands found for operator -${quantifier}: a condition must follow`, open.pos);
    } else {
      condition = this.parsePrimary(true);
    }
    return { type: 'quantified', quantifier, property, condition };
  }

  private parseComparison(target: ComparisonTarget, subjectText: string, valueKind: 'string' | 'boolean' | 'groupId'): RuleExpression {
    const operatorToken = this.peek();
    const name = this.operatorName(operatorToken);
    if (name === undefined) {
      throw new RuleSyntaxError(`expected an operator after ${subjectText}, found ${describe(operatorToken)}`, operatorToken.pos);
    }
    const operator = COMPARISON_OPERATORS[name];
    if (!operator) {
      const shown = operatorToken.kind === 'dashWord' ? `-${operatorToken.text}` : `'${(operatorToken as { text: string }).text}'`;
      if (NON_DEVICE_OPERATORS.has(name))
        throw new RuleSyntaxError(`operator ${shown} is not supported for ${subjectText}`, operatorToken.pos);
      if (name === 'any' || name === 'all') {
        throw new RuleSyntaxError(
          `invalid operands found for operator ${shown}: ${subjectText} is not a multi-valued property`,
          operatorToken.pos,
        );
      }
      throw new RuleSyntaxError(`unknown operator ${shown}`, operatorToken.pos);
    }
    this.index++;
    const value = this.parseValue(operator);
    checkOperands(operator, value, subjectText, valueKind, operatorToken.pos);
    return { type: 'comparison', target, operator, value };
  }

  private parseValue(operator: ComparisonOperator): RuleValue {
    const token = this.peek();
    this.index++;
    switch (token.kind) {
      case 'string':
        return { type: 'string', value: token.value };
      case 'lbracket':
        return { type: 'list', values: this.parseList(token.pos) };
      case 'number':
        throw new RuleSyntaxError(
          `wrong value type for -${operator}: number ${token.value} where a quoted string or true/false was expected`,
          token.pos,
        );
      case 'word': {
        const lower = token.text.toLowerCase();
        if (lower === 'true' || lower === 'false') return { type: 'boolean', value: lower === 'true' };
        if (lower === 'null') return { type: 'null' };
        throw new RuleSyntaxError(`expected a value after -${operator}, found '${token.text}' (string values must be quoted)`, token.pos);
      }
      default:
        throw new RuleSyntaxError(`expected a value after -${operator}, found ${describe(token)}`, token.pos);
    }
  }

  private parseList(openPos: number): string[] {
    const values: string[] = [];
    if (this.peek().kind === 'rbracket') throw new RuleSyntaxError('the value list is empty', openPos);
    for (;;) {
      const item = this.peek();
      if (item.kind !== 'string') throw new RuleSyntaxError(`a value list may hold only quoted strings, found ${describe(item)}`, item.pos);
      values.push(item.value);
      this.index++;
      const separator = this.peek();
      this.index++;
      if (separator.kind === 'rbracket') return values;
      if (separator.kind !== 'comma')
        throw new RuleSyntaxError(`expected ',' or ']' in the value list, found ${describe(separator)}`, separator.pos);
    }
  }

  private resolveProperty(token: Extract<Token, { kind: 'word' }>): DeviceRuleProperty {
    const dot = token.text.indexOf('.');
    if (token.text === '_') throw new RuleSyntaxError("'_' can only be used inside -any or -all", token.pos);
    if (dot < 0) {
      throw new RuleSyntaxError(`property '${token.text}' must be qualified with its object, for example device.${token.text}`, token.pos);
    }
    const object = token.text.slice(0, dot).toLowerCase();
    const name = token.text.slice(dot + 1);
    if (object === 'user') {
      throw new RuleSyntaxError(
        `wrong property applied: '${token.text}' is a user property; a device rule may reference only device properties`,
        token.pos,
      );
    }
    if (object !== 'device')
      throw new RuleSyntaxError(`wrong property applied: unknown object '${token.text.slice(0, dot)}' in '${token.text}'`, token.pos);
    const property = lookupDeviceProperty(name);
    if (!property) throw new RuleSyntaxError(`unknown device property '${name}'`, token.pos);
    return property;
  }

  private expectClosingParen(openPos: number): void {
    const token = this.peek();
    if (token.kind !== 'rparen') {
      if (token.kind === 'end') throw new RuleSyntaxError("unbalanced parentheses: '(' is never closed", openPos);
      throw new RuleSyntaxError(`expected ')', found ${describe(token)}`, token.pos);
    }
    this.index++;
  }

  private operatorName(token: Token): string | undefined {
    if (token.kind === 'dashWord' || token.kind === 'word') return token.text.toLowerCase();
    return undefined;
  }

  private isLogical(name: 'and' | 'or' | 'not'): boolean {
    return this.operatorName(this.peek()) === name;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
}

function checkOperands(
  operator: ComparisonOperator,
  value: RuleValue,
  subject: string,
  kind: 'string' | 'boolean' | 'groupId',
  pos: number,
): void {
  const fail = (why: string): never => {
    throw new RuleSyntaxError(`invalid operands found for operator -${operator}: ${why}`, pos);
  };
  const isList = operator === 'in' || operator === 'notIn';
  if (kind === 'boolean') {
    if (operator !== 'eq' && operator !== 'ne') fail(`${subject} is a boolean property; only -eq and -ne apply`);
    if (value.type !== 'boolean' && value.type !== 'null') fail(`${subject} is a boolean property; the value must be true or false`);
    return;
  }
  if (kind === 'groupId' && operator !== 'in' && operator !== 'eq') fail('group.objectId supports only -in and -eq');
  if (isList) {
    if (value.type !== 'list') fail(`-${operator} needs a list of values such as ["a","b"]`);
    return;
  }
  if (value.type === 'list') fail(`a value list is allowed only with -in and -notIn`);
  if (value.type === 'boolean') fail(`${subject} is a string property; the value must be a quoted string`);
  if (value.type === 'null') {
    if (operator !== 'eq' && operator !== 'ne') fail('null can be compared only with -eq or -ne');
    return;
  }
  if (value.type === 'string' && (operator === 'match' || operator === 'notMatch')) {
    try {
      new RegExp(value.value, 'i');
    } catch (error) {
      fail(`"${value.value}" is not a valid regular expression (${(error as Error).message})`);
    }
  }
}

function isSingleQuantifier(expression: RuleExpression): boolean {
  return expression.type === 'quantified' && expression.property.kind === 'groupCollection';
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the rule';
    case 'string':
      return `"${token.value}"`;
    case 'number':
      return String(token.value);
    case 'word':
      return `'${token.text}'`;
    case 'dashWord':
      return `'-${token.text}'`;
    default:
      return `'${{ lparen: '(', rparen: ')', lbracket: '[', rbracket: ']', comma: ',' }[token.kind]}'`;
  }
}
