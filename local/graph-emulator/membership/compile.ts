import type { ComparisonOperator, RuleExpression, RuleValue } from './ast';
import type { DeviceRuleProperty } from './properties';

export type RuleSubject = Record<string, string | boolean | number | string[] | null | undefined>;
type SubjectValue = RuleSubject[string];

/** A compiled condition; `item` is the current element inside -any/-all. */
type Predicate = (subject: RuleSubject, item: string) => boolean;
type StringTest = (value: string) => boolean;

/**
 * Turns the AST into closures once, so evaluating a group over thousands of devices does no
 * re-parsing or per-device lowercasing of the rule's constants. String comparisons and regular
 * expressions are case-insensitive, as the service documents.
 */
export function compileRule(expression: RuleExpression): (subject: RuleSubject) => boolean {
  const predicate = compile(expression);
  return (subject) => predicate(subject, '');
}

function compile(expression: RuleExpression): Predicate {
  switch (expression.type) {
    case 'or': {
      const left = compile(expression.left);
      const right = compile(expression.right);
      return (s, i) => left(s, i) || right(s, i);
    }
    case 'and': {
      const left = compile(expression.left);
      const right = compile(expression.right);
      return (s, i) => left(s, i) && right(s, i);
    }
    case 'not': {
      const operand = compile(expression.operand);
      return (s, i) => !operand(s, i);
    }
    case 'quantified': {
      const read = collectionReader(expression.property);
      const condition = compile(expression.condition);
      // -all over an empty collection is vacuously true, which is how the reference's
      // "assignedPlans -all (... -eq null)" example selects users with no plans.
      return expression.quantifier === 'any'
        ? (s) => read(s).some((item) => condition(s, item))
        : (s) => read(s).every((item) => condition(s, item));
    }
    case 'comparison':
      return compileComparison(expression);
  }
}

function compileComparison(expression: Extract<RuleExpression, { type: 'comparison' }>): Predicate {
  const { target, operator, value } = expression;
  if (target.type === 'item') {
    const test = stringTest(operator, value);
    return (_s, item) => test(item);
  }
  const property = target.property;
  if (property.kind === 'boolean') {
    const read = scalarReader(property);
    const wanted = value.type === 'boolean' ? value.value : null;
    const equal = (v: SubjectValue): boolean => (wanted === null ? v === null || v === undefined : toBoolean(v) === wanted);
    return operator === 'eq' ? (s) => equal(read(s)) : (s) => !equal(read(s));
  }
  if (property.kind === 'stringCollection') {
    const read = collectionReader(property);
    if (value.type === 'null') {
      return operator === 'eq' ? (s) => read(s).length === 0 : (s) => read(s).length > 0;
    }
    // A direct operator on a collection asks about its elements: a positive operator holds when
    // some element satisfies it, a negated one when no element satisfies the positive form.
    const { positive, negated } = splitNegation(operator);
    const test = stringTest(positive, value);
    return negated ? (s) => !read(s).some(test) : (s) => read(s).some(test);
  }
  const read = scalarReader(property);
  const test = stringTest(operator, value);
  return (s) => {
    const v = read(s);
    return test(v === null || v === undefined ? NULL_MARK : String(v));
  };
}

// Stands for a missing value inside string tests so -eq null and -ne "x" behave as on the
// service: null equals null, differs from every string, and satisfies no positive operator.
const NULL_MARK = '\u0000null';

function stringTest(operator: ComparisonOperator, value: RuleValue): StringTest {
  const { positive, negated } = splitNegation(operator);
  const test = positiveTest(positive, value);
  return negated ? (v) => !test(v) : test;
}

function positiveTest(operator: ComparisonOperator, value: RuleValue): StringTest {
  if (value.type === 'null') return (v) => v === NULL_MARK || v === '';
  if (value.type === 'list') {
    const set = new Set(value.values.map((x) => x.toLowerCase()));
    return (v) => v !== NULL_MARK && set.has(v.toLowerCase());
  }
  const constant = value.type === 'string' ? value.value.toLowerCase() : String(value.value);
  switch (operator) {
    case 'eq':
      return (v) => v !== NULL_MARK && v.toLowerCase() === constant;
    case 'startsWith':
      return (v) => v !== NULL_MARK && v.toLowerCase().startsWith(constant);
    case 'endsWith':
      return (v) => v !== NULL_MARK && v.toLowerCase().endsWith(constant);
    case 'contains':
      return (v) => v !== NULL_MARK && v.toLowerCase().includes(constant);
    case 'match': {
      const pattern = new RegExp(value.type === 'string' ? value.value : constant, 'i');
      return (v) => v !== NULL_MARK && pattern.test(v);
    }
    default:
      throw new Error(`internal: ${operator} is not a positive string operator`);
  }
}

const NEGATIONS: Partial<Record<ComparisonOperator, ComparisonOperator>> = {
  ne: 'eq',
  notStartsWith: 'startsWith',
  notEndsWith: 'endsWith',
  notContains: 'contains',
  notMatch: 'match',
  notIn: 'in',
};

function splitNegation(operator: ComparisonOperator): { positive: ComparisonOperator; negated: boolean } {
  const positive = NEGATIONS[operator];
  return positive ? { positive, negated: true } : { positive: operator, negated: false };
}

function toBoolean(v: SubjectValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** Subjects are keyed by rule-language name; an exact key wins, otherwise any casing of it. */
function scalarReader(property: DeviceRuleProperty): (s: RuleSubject) => SubjectValue {
  const name = property.name;
  const lower = name.toLowerCase();
  return (s) => {
    const direct = s[name];
    if (direct !== undefined) return direct;
    for (const key in s) if (key.toLowerCase() === lower) return s[key];
    return undefined;
  };
}

function collectionReader(property: DeviceRuleProperty): (s: RuleSubject) => readonly string[] {
  const read = scalarReader(property);
  return (s) => {
    const v = read(s);
    if (Array.isArray(v)) return v;
    if (v === null || v === undefined) return [];
    return [String(v)];
  };
}
