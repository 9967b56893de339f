/**
 * npm run notify-schema
 *
 * Writes docs/schemas/notification-v1.schema.json, the published JSON Schema of the generic
 * webhook's body, from its zod definition (shared/notify/payload.ts). Run it after changing the
 * payload and commit the result; tests/unit/notify-payload.test.ts fails until you do.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { notificationJsonSchema } from '../shared/notify/payload';
import { runCli } from './cli';

export const NOTIFICATION_SCHEMA_FILE = path.join(__dirname, '..', 'docs', 'schemas', 'notification-v1.schema.json');

export function renderNotificationSchema(): string {
  return `${JSON.stringify(notificationJsonSchema(), null, 2)}\n`;
}

if (require.main === module)
  runCli(() => {
    const text = renderNotificationSchema();
    writeFileSync(NOTIFICATION_SCHEMA_FILE, text);
    console.log(`wrote ${path.relative(process.cwd(), NOTIFICATION_SCHEMA_FILE)} (${text.length} bytes)`);
  });
