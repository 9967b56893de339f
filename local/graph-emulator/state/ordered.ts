/**
 * An insertion-ordered collection with O(1) get/add/delete and O(page) paging by position, so a
 * list of 20,000 devices pages without re-materialising the whole set per request. Deleted slots
 * become holes; paging skips them. A skip token is a slot position, which stays valid while the
 * collection changes (new items append, deleted ones are skipped) as Graph's skip tokens do.
 */
export class OrderedCollection<T> {
  private slots: (T | undefined)[] = [];
  private positions = new Map<string, number>();

  get size(): number {
    return this.positions.size;
  }

  get(id: string): T | undefined {
    const p = this.positions.get(id);
    return p === undefined ? undefined : this.slots[p];
  }

  /** Slot of an item, for ordering subsets the way the collection is ordered. */
  position(id: string): number | undefined {
    return this.positions.get(id);
  }

  has(id: string): boolean {
    return this.positions.has(id);
  }

  set(id: string, item: T): void {
    const p = this.positions.get(id);
    if (p !== undefined) {
      this.slots[p] = item;
      return;
    }
    this.positions.set(id, this.slots.length);
    this.slots.push(item);
  }

  delete(id: string): boolean {
    const p = this.positions.get(id);
    if (p === undefined) return false;
    this.slots[p] = undefined;
    this.positions.delete(id);
    if (this.slots.length > 1024 && this.positions.size < this.slots.length / 4 && this.slots.length - this.positions.size > 4096)
      this.compact();
    return true;
  }

  /** Up to `size` items from slot `from` on, and the slot to continue from (undefined at the end). */
  page(from: number, size: number, accept?: (item: T) => boolean): { items: T[]; next: number | undefined } {
    const items: T[] = [];
    let i = Math.max(0, from);
    for (; i < this.slots.length && items.length < size; i++) {
      const item = this.slots[i];
      if (item !== undefined && (!accept || accept(item))) items.push(item);
    }
    if (accept) {
      // Only report a next page if an accepted item actually remains.
      let j = i;
      while (j < this.slots.length && !(this.slots[j] !== undefined && accept(this.slots[j]!))) j++;
      return { items, next: j < this.slots.length ? j : undefined };
    }
    while (i < this.slots.length && this.slots[i] === undefined) i++;
    return { items, next: i < this.slots.length ? i : undefined };
  }

  *values(): IterableIterator<T> {
    for (const item of this.slots) if (item !== undefined) yield item;
  }

  clear(): void {
    this.slots = [];
    this.positions.clear();
  }

  /** Compaction renumbers slots; outstanding skip tokens may then skip or repeat items, so it only
   * happens after mass deletion. */
  private compact(): void {
    const kept: T[] = [];
    const positions = new Map<string, number>();
    const byPosition = new Map<number, string>();
    for (const [id, p] of this.positions) byPosition.set(p, id);
    this.slots.forEach((item, p) => {
      if (item === undefined) return;
      positions.set(byPosition.get(p)!, kept.length);
      kept.push(item);
    });
    this.slots = kept;
    this.positions = positions;
  }
}
