// docs/PERMISSIONS.md's tables are generated from GRAPH_OPERATIONS; the committed doc must match.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAPH_OPERATIONS, requiredGraphPermissions } from '../../shared/graph/operations';
import {
  BEGIN_MARKER,
  END_MARKER,
  grantedPermissionFor,
  PERMISSIONS_DOC_PATH,
  renderPermissionTables,
  withRegeneratedTables,
} from '../scripts/permissions-doc';

const doc = readFileSync(PERMISSIONS_DOC_PATH, 'utf8');

describe('docs/PERMISSIONS.md', () => {
  it('is up to date (npx tsx infra/scripts/permissions-doc.ts)', () => {
    expect(withRegeneratedTables(doc)).toBe(doc);
  });

  it('lists every granted permission and every Graph call', () => {
    const tables = renderPermissionTables();
    for (const p of requiredGraphPermissions()) expect(tables).toContain(`| \`${p}\` |`);
    for (const name of Object.keys(GRAPH_OPERATIONS)) expect(tables).toContain(`| \`${name}\` |`);
  });

  it('notices a stale table and refuses a doc without markers', () => {
    const stale = doc.replace(/\| `Device\.Read\.All` \|[^\n]*\n/, '');
    expect(stale).not.toBe(doc);
    expect(withRegeneratedTables(stale)).toBe(doc);
    expect(() => withRegeneratedTables(doc.replace(BEGIN_MARKER, '').replace(END_MARKER, ''))).toThrow(/markers/);
  });

  it('maps a Read permission to the ReadWrite one that covers it, and fails on one not covered', () => {
    const granted = requiredGraphPermissions();
    expect(grantedPermissionFor('DeviceManagementServiceConfig.Read.All', ['DeviceManagementServiceConfig.ReadWrite.All'])).toBe(
      'DeviceManagementServiceConfig.ReadWrite.All',
    );
    expect(grantedPermissionFor('Device.Read.All', granted)).toBe('Device.Read.All');
    expect(() => grantedPermissionFor('Device.Read.All', ['GroupMember.Read.All'])).toThrow(
      /no granted permission covers Device\.Read\.All/,
    );
  });
});
