import { z } from 'zod';
import { createImports } from '../domain/registration';
import { odataType, parseBody } from '../odata/body';
import { errors } from '../odata/errors';
import { importedIdentity } from '../serialize/intune';
import { collection, countText, entity, project } from './collection';
import type { Route } from './types';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const nullableString = z.string().nullable().optional();

const StateSchema = z.strictObject({
  ...odataType,
  deviceImportStatus: z.enum(['unknown', 'pending', 'partial', 'complete', 'error']).optional(),
  deviceRegistrationId: nullableString,
  deviceErrorCode: z.number().int().optional(),
  deviceErrorName: nullableString,
});

/** Edm.Binary: text that is not base64 fails deserialization (400) before DDS ever sees it. */
const ImportedSchema = z.strictObject({
  ...odataType,
  id: nullableString,
  groupTag: nullableString,
  serialNumber: nullableString,
  productKey: nullableString,
  importId: nullableString,
  hardwareIdentifier: z.string().regex(BASE64, 'the value is not valid base64 for Edm.Binary').nullable().optional(),
  assignedUserPrincipalName: nullableString,
  state: StateSchema.nullable().optional(),
});

const ImportActionSchema = z.strictObject({ importedWindowsAutopilotDeviceIdentities: z.array(ImportedSchema) });

const SET = 'deviceManagement/importedWindowsAutopilotDeviceIdentities';
const TYPE = 'importedWindowsAutopilotDeviceIdentity';

export const importRoutes: Route[] = [
  {
    method: 'POST',
    path: `${SET}/import`,
    area: 'intune',
    handle: ({ tenant, call, flavor }) => {
      const body = parseBody(ImportActionSchema, call.body, TYPE, flavor, 'import');
      const records = createImports(tenant, body.importedWindowsAutopilotDeviceIdentities);
      return {
        status: 200,
        body: {
          '@odata.context': `${call.origin}/${call.version}/$metadata#Collection(microsoft.graph.${TYPE})`,
          value: records.map(importedIdentity),
        },
      };
    },
  },
  {
    method: 'POST',
    path: SET,
    area: 'intune',
    handle: ({ tenant, call, flavor }) => {
      const body = parseBody(ImportedSchema, call.body, TYPE, flavor);
      const [record] = createImports(tenant, [body]);
      return entity(call, SET, importedIdentity(record!), 201);
    },
  },
  {
    method: 'GET',
    path: SET,
    area: 'intune',
    honours: ['filter'],
    handle: ({ tenant, call, query, flavor }) => {
      if (query.filter) throw errors.badRequest('An error has occurred', flavor);
      return collection(
        { collection: tenant.store.imports },
        {
          call,
          query,
          flavor,
          contextFragment: SET,
          typeName: TYPE,
          serialize: importedIdentity,
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      );
    },
  },
  { method: 'GET', path: `${SET}/$count`, area: 'intune', handle: ({ tenant }) => countText(tenant.store.imports.size) },
  {
    method: 'GET',
    path: `${SET}/{id}`,
    area: 'intune',
    handle: ({ tenant, call, params, query, flavor }) => {
      const record = tenant.store.imports.get(params.id!);
      if (!record) throw errors.intuneNotFound('ImportedWindowsAutopilotDeviceIdentity', params.id!);
      return entity(call, SET, project(importedIdentity(record), query.select, TYPE, flavor));
    },
  },
  {
    method: 'DELETE',
    path: `${SET}/{id}`,
    area: 'intune',
    // The service is reported to answer 200 for an id it never had (microsoft-graph-docs #7129,
    // docs-contrib #5844) and, sometimes, to answer without deleting (#5180, faults.ignoredDeleteRate):
    // a DELETE's answer proves nothing; only a later GET's 404 does.
    handle: ({ tenant, params, faults }) => {
      if (!faults.ignoreDelete()) tenant.store.imports.delete(params.id!);
      return { status: 200 };
    },
  },
];
