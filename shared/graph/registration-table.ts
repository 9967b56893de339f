/**
 * The registrations a bulk read of the Autopilot list keeps for one confirm step, by Autopilot id:
 * up to 100,000, so each is its GUID, its Entra deviceId's GUID and its profile status as one byte
 * (an index into the few statuses seen) in a GuidSlots table, outside the heap, instead of an object
 * and two strings on it (issue 16: the confirm phase's peak grew with the file). An entry is turned
 * back into a RegistrationFacts object when asked for. Ids or deviceIds that are not GUIDs (never the
 * service's; test fakes') are kept as given beside the table.
 */
import type { RegistrationFacts } from './autopilot-api';
import { GuidSlots, guidBytes, guidText, type IdCollector } from './guid-table';

/** Value bytes: [status: 0 none, 1–254 an index, 255 kept beside][deviceId: 0 none, 1 GUID, 2 kept beside][16-byte deviceId][marked]. */
const VALUE_BYTES = 19;
const MARK_AT = 18;
const STATUS_BESIDE = 255;
const AAD_NONE = 0;
const AAD_GUID = 1;
const AAD_BESIDE = 2;

/** What the confirm step asks of the registrations it found: a Map of them answers the same. */
export interface RegistrationLookup {
  get(id: string): RegistrationFacts | undefined;
  has(id: string): boolean;
  values(): IterableIterator<RegistrationFacts>;
}

export class RegistrationTable implements RegistrationLookup {
  private readonly slots = new GuidSlots(VALUE_BYTES);
  /** Entries whose id is not a GUID. */
  private readonly others = new Map<string, RegistrationFacts>();
  /** Statuses and deviceIds that do not fit the slot, by lower-case id. */
  private readonly statusBeside = new Map<string, string>();
  private readonly aadBeside = new Map<string, string>();
  private readonly markedBeside = new Set<string>();
  private readonly statuses: string[] = [''];
  private readonly scratch = Buffer.alloc(16);

  get size(): number {
    return this.slots.size + this.others.size;
  }

  /** Records a registration: its id, its Entra deviceId (empty: none yet) and its profile status. */
  set(id: string, aad: string | undefined, status: string | undefined): void {
    const at = this.slots.locate(id, true);
    if (at === undefined) {
      this.others.set(id, { id, ...(aad ? { azureAdDeviceId: aad } : {}), deploymentProfileAssignmentStatus: status });
      return;
    }
    const key = id.toLowerCase();
    const buffer = this.slots.buffer;
    let index = status === undefined ? 0 : this.statuses.indexOf(status);
    if (status !== undefined && index === -1 && this.statuses.length < STATUS_BESIDE) index = this.statuses.push(status) - 1;
    buffer[at] = index === -1 ? STATUS_BESIDE : index;
    if (index === -1) this.statusBeside.set(key, status!);
    if (!aad) buffer[at + 1] = AAD_NONE;
    else if (guidBytes(aad, this.scratch)) {
      buffer[at + 1] = AAD_GUID;
      this.scratch.copy(buffer, at + 2);
    } else {
      buffer[at + 1] = AAD_BESIDE;
      this.aadBeside.set(key, aad);
    }
  }

  get(id: string): RegistrationFacts | undefined {
    const at = this.slots.locate(id, false);
    return at === undefined ? this.others.get(id) : this.read(id, at);
  }

  has(id: string): boolean {
    return this.slots.locate(id, false) !== undefined || this.others.has(id);
  }

  /**
   * The registrations marked, as a collector a walk adds to (only registrations in the table are
   * kept): the profile walk marks those it found assigned instead of copying their ids into a set.
   */
  marked(): IdCollector {
    return {
      add: (id) => {
        const at = this.slots.locate(id, false);
        if (at !== undefined) this.slots.buffer[at + MARK_AT] = 1;
        else if (this.others.has(id)) this.markedBeside.add(id);
      },
      has: (id) => {
        const at = this.slots.locate(id, false);
        return at !== undefined ? this.slots.buffer[at + MARK_AT] === 1 : this.markedBeside.has(id);
      },
    };
  }

  *values(): IterableIterator<RegistrationFacts> {
    for (const { id, at } of this.slots.entries()) yield this.read(id, at);
    yield* this.others.values();
  }

  private read(id: string, at: number): RegistrationFacts {
    const buffer = this.slots.buffer;
    const key = id.toLowerCase();
    const status = buffer[at] === STATUS_BESIDE ? this.statusBeside.get(key) : buffer[at] === 0 ? undefined : this.statuses[buffer[at]!];
    const kind = buffer[at + 1];
    const aad = kind === AAD_GUID ? guidText(buffer, at + 2) : kind === AAD_BESIDE ? this.aadBeside.get(key) : undefined;
    return { id, ...(aad ? { azureAdDeviceId: aad } : {}), deploymentProfileAssignmentStatus: status };
  }
}
