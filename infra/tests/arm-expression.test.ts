// The ARM expression evaluator the compiled-ARM tests rely on: if it computed wrongly, those tests
// would check the wrong thing. Expressions here are in the form the Bicep compiler emits.
import { describe, expect, it } from 'vitest';
import { ArmFail, evaluate, Opaque, parseExpression, type Scope } from '../lib/arm-expression';

const scope = (over: Partial<Scope> = {}): Scope => ({ parameters: { name: 'st1', ips: ['a', 'b'], n: 3 }, variables: {}, ...over });

describe('ARM expression evaluator', () => {
  it('computes pure functions, properties, indexes and escapes', () => {
    expect(evaluate("[format('{0}-{1}', parameters('name'), add(1, 2))]", scope())).toBe('st1-3');
    expect(evaluate("[createObject('a', createArray(1, 2)).a[1]]", scope())).toBe(2);
    expect(evaluate("[split('1.2.3.4', '.')[2]]", scope())).toBe('3');
    expect(evaluate("[if(greater(parameters('n'), 2), 'big', fail('never evaluated'))]", scope())).toBe('big');
    expect(evaluate('[[not an expression]', scope())).toBe('[not an expression]');
    expect(evaluate("['it''s']", scope())).toBe("it's");
    expect(evaluate("[union(createObject('a', 1), createObject('b', 2))]", scope())).toEqual({ a: 1, b: 2 });
    expect(evaluate("[parseCidr('198.51.100.7/24').network]", scope())).toBe('198.51.100.0');
  });

  it('runs lambdas and variable loops', () => {
    expect(
      evaluate(
        "[filter(map(parameters('ips'), lambda('x', toUpper(lambdaVariables('x')))), lambda('y', not(equals(lambdaVariables('y'), 'B'))))]",
        scope(),
      ),
    ).toEqual(['A']);
    const variables = {
      copy: [{ name: 'doubled', count: "[length(parameters('ips'))]", input: "[concat(parameters('ips')[copyIndex('doubled')], '!')]" }],
    };
    expect(evaluate("[variables('doubled')]", scope({ variables }))).toEqual(['a!', 'b!']);
    expect(evaluate("[parameters('ips')[copyIndex()]]", scope({ copyIndex: 1 }))).toBe('b');
  });

  it('keeps deployment-time values opaque but comparable', () => {
    const id = evaluate("[resourceId('Microsoft.Storage/storageAccounts', parameters('name'))]", scope());
    expect(id).toBeInstanceOf(Opaque);
    expect(String(id)).toBe("<resourceId('Microsoft.Storage/storageAccounts', 'st1')>");
    expect(JSON.stringify(evaluate("[createObject('scope', reference('x').id)]", scope()))).toBe('{"scope":"<reference(\'x\').id>"}');
  });

  it('raises fail() as the deployment error it is', () => {
    expect(() => evaluate("[fail(format('bad {0}', parameters('name')))]", scope())).toThrow(ArmFail);
    expect(() => evaluate("[fail('bad')]", scope())).toThrow('bad');
  });

  it('rejects what it cannot read rather than guessing', () => {
    expect(() => parseExpression("concat('a'")).toThrow();
    expect(() => evaluate('[someNewFunction(1)]', scope())).toThrow(/not implemented/);
    expect(() => evaluate("[parameters('missing')]", scope())).toThrow(/no value given/);
  });
});
