import type { DeviceRuleProperty } from './properties';

export type ComparisonOperator =
  | 'eq'
  | 'ne'
  | 'startsWith'
  | 'notStartsWith'
  | 'endsWith'
  | 'notEndsWith'
  | 'contains'
  | 'notContains'
  | 'match'
  | 'notMatch'
  | 'in'
  | 'notIn';

export type RuleValue =
  { type: 'string'; value: string } | { type: 'boolean'; value: boolean } | { type: 'null' } | { type: 'list'; values: string[] };

/** What a comparison reads: a device property, or the current element of an -any/-all. */
export type ComparisonTarget = { type: 'property'; property: DeviceRuleProperty } | { type: 'item'; itemKind: 'string' | 'groupId' };

export type RuleExpression =
  | { type: 'or'; left: RuleExpression; right: RuleExpression }
  | { type: 'and'; left: RuleExpression; right: RuleExpression }
  | { type: 'not'; operand: RuleExpression }
  | { type: 'comparison'; target: ComparisonTarget; operator: ComparisonOperator; value: RuleValue }
  | { type: 'quantified'; quantifier: 'any' | 'all'; property: DeviceRuleProperty; condition: RuleExpression };
