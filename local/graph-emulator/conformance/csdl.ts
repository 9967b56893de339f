/**
 * A single regex pass over a CSDL ($metadata) document: the structure (Schema > EntityType /
 * ComplexType / EnumType > Property / NavigationProperty / Member, and the EntityContainer's
 * EntitySet / Singleton) is regular enough that a tag scanner is all we need, and it avoids an XML
 * dependency.
 */
export interface CsdlProperty {
  name: string;
  type: string;
  collection: boolean;
  navigation: boolean;
}

export interface CsdlType {
  name: string;
  kind: 'entity' | 'complex';
  baseType: string | undefined;
  properties: CsdlProperty[];
}

/** An entity set (a collection) or a singleton at the service root. */
export interface CsdlRoot {
  type: string;
  collection: boolean;
}

export interface CsdlDocument {
  types: Map<string, CsdlType>;
  enums: Map<string, string[]>;
  roots: Map<string, CsdlRoot>;
}

const TAG = /<(\/?)(Schema|EntityType|ComplexType|EnumType|Property|NavigationProperty|Member|EntitySet|Singleton)\b([^>]*?)(\/?)>/g;
const ATTRIBUTE = /([A-Za-z]+)="([^"]*)"/g;

export function parseCsdl(xml: string): CsdlDocument {
  const types = new Map<string, CsdlType>();
  const enums = new Map<string, string[]>();
  const roots = new Map<string, CsdlRoot>();
  let namespace = '';
  const aliases = new Map<string, string>();
  let currentType: CsdlType | undefined;
  let currentEnum: string[] | undefined;

  const qualify = (reference: string): string => {
    const collection = /^Collection\((.*)\)$/.exec(reference);
    const inner = collection ? (collection[1] as string) : reference;
    const dot = inner.lastIndexOf('.');
    if (dot < 0) return inner;
    const prefix = inner.slice(0, dot);
    return `${aliases.get(prefix) ?? prefix}.${inner.slice(dot + 1)}`;
  };

  for (const match of xml.matchAll(TAG)) {
    const [, closing, element, attributeText, selfClosing] = match as unknown as [string, string, string, string, string];
    if (closing) {
      if (element === 'EntityType' || element === 'ComplexType') currentType = undefined;
      if (element === 'EnumType') currentEnum = undefined;
      continue;
    }
    const attributes = readAttributes(attributeText);
    switch (element) {
      case 'Schema': {
        namespace = attributes.Namespace ?? '';
        // Aliases are declared per schema but used across schemas, so one map serves all.
        if (attributes.Alias) aliases.set(attributes.Alias, namespace);
        aliases.set(namespace, namespace);
        break;
      }
      case 'EntityType':
      case 'ComplexType': {
        const type: CsdlType = {
          name: `${namespace}.${attributes.Name ?? ''}`,
          kind: element === 'EntityType' ? 'entity' : 'complex',
          baseType: attributes.BaseType ? attributes.BaseType : undefined,
          properties: [],
        };
        types.set(type.name, type);
        currentType = selfClosing ? undefined : type;
        break;
      }
      case 'EnumType': {
        const members: string[] = [];
        enums.set(`${namespace}.${attributes.Name ?? ''}`, members);
        currentEnum = selfClosing ? undefined : members;
        break;
      }
      case 'Property':
      case 'NavigationProperty': {
        if (!currentType || !attributes.Name || !attributes.Type) break;
        currentType.properties.push({
          name: attributes.Name,
          type: attributes.Type,
          collection: attributes.Type.startsWith('Collection('),
          navigation: element === 'NavigationProperty',
        });
        break;
      }
      case 'Member':
        if (currentEnum && attributes.Name) currentEnum.push(attributes.Name);
        break;
      case 'EntitySet':
      case 'Singleton': {
        const type = element === 'EntitySet' ? attributes.EntityType : attributes.Type;
        if (attributes.Name && type) roots.set(attributes.Name, { type, collection: element === 'EntitySet' });
        break;
      }
    }
  }
  // Qualify references only once every alias is known.
  for (const type of types.values()) {
    if (type.baseType) type.baseType = qualify(type.baseType);
    for (const property of type.properties) property.type = qualify(property.type);
  }
  for (const root of roots.values()) root.type = qualify(root.type);
  return { types, enums, roots };
}

function readAttributes(text: string): Record<string, string | undefined> {
  const attributes: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(ATTRIBUTE)) attributes[name as string] = value as string;
  return attributes;
}
