/**
 * Checks a property path such as `state.deviceImportStatus=pending|complete` or
 * `assignments.target<groupAssignmentTarget>.groupId` against a Graph schema, from a starting type:
 *   name          a property (structural or navigation) of the current type, which becomes the
 *                 current type (collections are stepped into: `assignments.target`);
 *   <type>        the current value cast to a type that must be it or derive from it
 *                 (unqualified names are in microsoft.graph); may stand alone (`<windows10...>`);
 *   =a|b          after the last property: values that must be members of its enum type.
 * Returns the problems found; none means every step exists in that version.
 */
import { isSameOrDerived, type GraphSchema } from './schema-model';

const STEP = /^([^<>=]*)(?:<([^<>]+)>)?(?:=(.+))?$/;

export function propertyPathProblems(schema: GraphSchema, startType: string, propertyPath: string): string[] {
  let type = startType;
  const steps = propertyPath.split('.');
  for (const [index, step] of steps.entries()) {
    const [, name = '', cast, values] = STEP.exec(step) ?? [];
    if (name === '' && cast === undefined) return [`'${step}' is neither a property nor a <cast>`];
    const at = steps.slice(0, index + 1).join('.');
    let valueType: string | undefined = type;
    if (name !== '') {
      const property = schema.types.get(type)?.properties.get(name);
      if (!property) return [`${at}: '${name}' is not a property of ${type} in ${schema.version}${outside(schema, type)}`];
      valueType = property.type;
    }
    if (cast !== undefined) {
      const castType = cast.includes('.') ? cast : `microsoft.graph.${cast}`;
      if (!schema.types.has(castType)) return [`${at}: ${castType} is not a type in ${schema.version}${outside(schema, castType)}`];
      if (valueType === undefined || !isSameOrDerived(schema, castType, valueType))
        return [`${at}: ${castType} is not ${valueType ?? 'an untyped value'} or derived from it`];
      valueType = castType;
    }
    if (values !== undefined) {
      const members = valueType === undefined ? undefined : schema.enums.get(valueType);
      if (!members) return [`${at}: ${valueType ?? 'an untyped value'} is not an enum, so it has no members ${values}`];
      const missing = values.split('|').filter((v) => !members.has(v));
      if (missing.length > 0)
        return [
          `${at}: ${missing.join(', ')} ${missing.length === 1 ? 'is not a member' : 'are not members'} of ${valueType} in ${schema.version}`,
        ];
    }
    if (index < steps.length - 1) {
      if (valueType === undefined || !schema.types.has(valueType))
        return [`${at}: ${valueType ?? 'an untyped value'} has no properties to read further${outside(schema, valueType)}`];
      type = valueType;
    }
  }
  return [];
}

function outside(schema: GraphSchema, type: string | undefined): string {
  if (type !== undefined && schema.leftOut.has(type)) return ` (${type} is outside the vendored subset)`;
  if (type !== undefined && schema.types.get(type)?.pathStepOnly) return ` (${type} is vendored only as a path step)`;
  return '';
}
