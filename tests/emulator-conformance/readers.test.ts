import { describe, expect, it } from 'vitest';
import { parseCsdl } from '../../local/graph-emulator/conformance/csdl';
import { parseOpenApiPaths } from '../../local/graph-emulator/conformance/openapi-paths';
import { parseOpenApiSchemas } from '../../local/graph-emulator/conformance/openapi-schemas';
import { readEnumMappings, readStructuredMappings } from '../../local/graph-emulator/conformance/type-mappings';

describe('CSDL reader', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="colour">
        <Member Name="red" Value="0" />
        <Member Name="unknownFutureValue" Value="1" />
      </EnumType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="widget" BaseType="graph.entity" OpenType="true">
        <Property Name="colour" Type="graph.colour">
          <Annotation Term="Org.OData.Core.V1.Description" String="A colour." />
        </Property>
        <Property Name="tags" Type="Collection(Edm.String)" Nullable="false" />
        <NavigationProperty Name="parts" Type="Collection(graph.part)" ContainsTarget="true" />
        <NavigationProperty Name="alarm" Type="self.alarm" />
      </EntityType>
      <EntityType Name="emptyWidget" BaseType="graph.widget" />
      <ComplexType Name="part"><Property Name="size" Type="Edm.Int32" /></ComplexType>
    </Schema>
    <Schema Namespace="microsoft.graph.security" Alias="self" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="alarm" BaseType="graph.entity" />
    </Schema>
    <Schema Namespace="microsoft.graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="GraphService">
        <EntitySet Name="widgets" EntityType="graph.widget">
          <NavigationPropertyBinding Path="parts" Target="parts" />
        </EntitySet>
        <Singleton Name="alarm" Type="self.alarm" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

  it('reads types, base types, properties with qualified types, collections and enum members', () => {
    const doc = parseCsdl(xml);
    expect(doc.enums.get('microsoft.graph.colour')).toEqual(['red', 'unknownFutureValue']);
    expect(doc.types.get('microsoft.graph.widget')).toEqual({
      name: 'microsoft.graph.widget',
      kind: 'entity',
      baseType: 'microsoft.graph.entity',
      properties: [
        { name: 'colour', type: 'microsoft.graph.colour', collection: false, navigation: false },
        { name: 'tags', type: 'Edm.String', collection: true, navigation: false },
        { name: 'parts', type: 'microsoft.graph.part', collection: true, navigation: true },
        { name: 'alarm', type: 'microsoft.graph.security.alarm', collection: false, navigation: true },
      ],
    });
    // A self-closing type must not swallow the properties that follow it.
    expect(doc.types.get('microsoft.graph.emptyWidget')).toMatchObject({ baseType: 'microsoft.graph.widget', properties: [] });
    expect(doc.types.get('microsoft.graph.part')).toMatchObject({ kind: 'complex', properties: [{ name: 'size', type: 'Edm.Int32' }] });
    expect(doc.types.get('microsoft.graph.security.alarm')?.baseType).toBe('microsoft.graph.entity');
  });

  it('reads the entity sets and singletons of the entity container', () => {
    expect(Object.fromEntries(parseCsdl(xml).roots)).toEqual({
      widgets: { type: 'microsoft.graph.widget', collection: true },
      alarm: { type: 'microsoft.graph.security.alarm', collection: false },
    });
  });
});

describe('OpenAPI schema reader', () => {
  const yaml = [
    'openapi: 3.0.1',
    'paths: {}',
    'components:',
    '  schemas:',
    '    microsoft.graph.widget:',
    '      allOf:',
    "        - $ref: '#/components/schemas/microsoft.graph.entity'",
    '        - title: widget',
    '          type: object',
    '          properties:',
    '            colour:',
    "              $ref: '#/components/schemas/microsoft.graph.colour'",
    '            when:',
    '              type: string',
    '              format: date-time',
    '            size:',
    '              oneOf:',
    '                - type: number',
    '                - type: string',
    "                - $ref: '#/components/schemas/ReferenceNumeric'",
    '            tags:',
    '              type: array',
    '              items:',
    '                type: string',
    '            parts:',
    '              type: array',
    '              items:',
    "                $ref: '#/components/schemas/microsoft.graph.part'",
    '              x-ms-navigationProperty: true',
    '            owner:',
    '              anyOf:',
    "                - $ref: '#/components/schemas/microsoft.graph.user'",
    '                - type: object',
    '                  nullable: true',
    "            '@odata.type':",
    '              type: string',
    '          additionalProperties:',
    '            type: object',
    '    microsoft.graph.part:',
    '      title: part',
    '      type: object',
    '      properties:',
    '        count:',
    '          type: integer',
    '          format: int32',
    '        enabled:',
    '          type: boolean',
    '  responses:',
    '    microsoft.graph.notASchema:',
    '      description: ignored',
  ].join('\n');

  it('reads allOf base types, $ref/array/anyOf/primitive/format property types', () => {
    const schemas = parseOpenApiSchemas(yaml);
    expect([...schemas.keys()]).toEqual(['microsoft.graph.widget', 'microsoft.graph.part']);
    const widget = schemas.get('microsoft.graph.widget');
    expect(widget?.baseType).toBe('microsoft.graph.entity');
    expect(Object.fromEntries(widget?.properties ?? [])).toEqual({
      colour: { type: 'microsoft.graph.colour', collection: false },
      when: { type: 'Edm.DateTimeOffset', collection: false },
      size: { type: undefined, collection: false },
      tags: { type: 'Edm.String', collection: true },
      parts: { type: 'microsoft.graph.part', collection: true },
      owner: { type: 'microsoft.graph.user', collection: false },
      '@odata.type': { type: 'Edm.String', collection: false },
    });
    const part = schemas.get('microsoft.graph.part');
    expect(part?.baseType).toBeUndefined();
    expect(Object.fromEntries(part?.properties ?? [])).toEqual({
      count: { type: 'Edm.Int32', collection: false },
      enabled: { type: 'Edm.Boolean', collection: false },
    });
  });
});

describe('OpenAPI paths reader', () => {
  const yaml = [
    'openapi: 3.0.1',
    'paths:',
    '  /widgets:',
    '    get:',
    '      operationId: widget_List',
    '      x-ms-docs-operation-type: operation',
    '    post:',
    '      operationId: widget_Create',
    "  '/widgets/{widget-id}':",
    '    get:',
    '      x-ms-docs-operation-type: operation',
    '    delete:',
    '      x-ms-docs-operation-type: operation',
    "  '/widgets/{widget-id}/microsoft.graph.paint':",
    '    post:',
    '      requestBody:',
    '        description: Action parameters',
    '      x-ms-docs-operation-type: action',
    "  '/widgets(name=''{name}'')':",
    '    get:',
    '      x-ms-docs-operation-type: operation',
    'components:',
    '  schemas:',
    '    /not-a-path:',
    '      get:',
  ].join('\n');

  it('reads each template (unquoted), its methods and whether each is an operation, action or function', () => {
    const paths = parseOpenApiPaths(yaml);
    expect(Object.fromEntries([...paths].map(([template, methods]) => [template, Object.fromEntries(methods)]))).toEqual({
      '/widgets': { get: 'operation', post: 'operation' },
      '/widgets/{widget-id}': { get: 'operation', delete: 'operation' },
      '/widgets/{widget-id}/microsoft.graph.paint': { post: 'action' },
      "/widgets(name='{name}')": { get: 'operation' },
    });
  });
});

describe('type-mapping readers', () => {
  it('qualifies names by namespace and rejects files of the wrong shape', () => {
    const structured = readStructuredMappings(
      { 'microsoft.graph': { widget: { properties: ['colour'], navigationProperties: ['parts'] } } },
      'x.json',
    );
    expect(structured.get('microsoft.graph.widget')).toEqual({ properties: ['colour'], navigationProperties: ['parts'] });
    expect(
      readEnumMappings({ 'microsoft.graph.security': { level: ['low', 'high'] } }, 'e.json').get('microsoft.graph.security.level'),
    ).toEqual(['low', 'high']);
    expect(() => readStructuredMappings({ 'microsoft.graph': { widget: ['colour'] } }, 'bad.json')).toThrow(
      /bad\.json is not a type-mapping file of entity\/complex types/,
    );
    expect(() => readEnumMappings({ 'microsoft.graph': { level: 'low' } }, 'bad-enum.json')).toThrow(
      /bad-enum\.json is not a type-mapping file of enum types/,
    );
  });
});
