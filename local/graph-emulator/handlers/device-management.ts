import { entity, project } from './collection';
import type { Route } from './types';

/**
 * GET /deviceManagement: the Intune service root, of which the app reads `subscriptionState` (an
 * active Intune subscription is needed for every Intune call). Properties as the v1.0 entity
 * `deviceManagement` lists them (type-mappings); only the scalars the emulator can give.
 */
export const deviceManagementRoutes: Route[] = [
  {
    method: 'GET',
    path: 'deviceManagement',
    area: 'intune',
    handle: ({ tenant, call, query, flavor }) =>
      entity(
        call,
        'deviceManagement',
        project(
          { id: tenant.tenantId, subscriptionState: tenant.store.subscriptionState, intuneAccountId: tenant.tenantId },
          query.select,
          'deviceManagement',
          flavor,
        ),
      ),
  },
];
