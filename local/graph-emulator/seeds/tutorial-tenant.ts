import { join } from 'node:path';

/** Well-known ids of seeds/tutorial-tenant.json, for local configuration and tests. */
export const TUTORIAL_TENANT = {
  seedFile: join(__dirname, 'tutorial-tenant.json'),
  autopilotGroupId: '4f1c2b7a-0d3e-4a51-9c1e-7a1d0e5b0001',
  deploymentProfileId: '7b2e9d40-3c5a-4f0e-8b6d-2e9c4a7f0002',
  espId: 'c3d8a6e1-5f27-4b90-a4c2-9d0e1f6b0003_Windows10EnrollmentCompletionPageConfiguration',
  /** The default ESP of the emulated tenant (DEFAULT_TENANT_ID in domain/tenant.ts). */
  defaultEspId: '6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a10_DefaultWindows10EnrollmentCompletionPageConfiguration',
} as const;
