/**
 * `GET /admin/local/activity`, a route of the local host only (the Functions host has no such
 * route): what the host's loops have done so far. A test that must show something did NOT happen
 * waits until the host has looked (two more blob sweeps, no episode running) and then checks,
 * rather than sleeping and hoping the host looked meanwhile.
 */
import type { ScanCounts } from '../triggers/blob-scanner';

export const LOCAL_ACTIVITY_PATH = '/admin/local/activity';

export interface LocalActivity {
  /** The blob trigger's scanner; null when the app has no blob trigger (or the host is stopping). */
  blob: ScanCounts | null;
  durable: {
    /** Orchestration episodes committed since the host started. */
    episodes: number;
    /** Instances with an episode running or about to run. */
    runningEpisodes: number;
  };
}
