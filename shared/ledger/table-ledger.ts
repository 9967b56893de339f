/**
 * The ledger in Azure Table storage (`autopilotLedger` in the app's storage account): identity-based
 * in Azure (the Function App's identity holds Storage Table Data Contributor for Durable already),
 * a connection string on Azurite. Each entity holds the entry as JSON in one property (`entry`),
 * validated on every read; writes go in transactions of up to 100 per partition.
 */
import { TableClient, TableTransaction, type TableEntityResult } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { StorageAuth } from '../config';
import { LedgerEntry } from './entry';
import { partitionOf, rowKeyOf, type Ledger } from './ledger';

export const LEDGER_TABLE = 'autopilotLedger';
const MARKER_PARTITION = 'marker';
/** Azure Table transactions take at most 100 operations, all in one partition. */
const TRANSACTION = 100;
/** Transactions sent at once by one upsert (each to its own partition, or a later part of one). */
const TRANSACTIONS_IN_FLIGHT = 8;

type Row = { partitionKey: string; rowKey: string; entry: string };

export function tableClientFor(auth: StorageAuth, table: string = LEDGER_TABLE): TableClient {
  if (auth.kind === 'connection-string')
    return TableClient.fromConnectionString(auth.connectionString, table, { allowInsecureConnection: true });
  const credential = auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new DefaultAzureCredential();
  return new TableClient(auth.blobServiceUri.replace('.blob.', '.table.'), table, credential);
}

function isStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === status;
}

export class TableLedger implements Ledger {
  private ready: Promise<void> | undefined;

  constructor(private readonly client: TableClient) {}

  private ensure(): Promise<void> {
    // Created on first use (infra creates it in Azure; Azurite starts empty). 409: it exists.
    this.ready ??= this.client.createTable().catch((error: unknown) => {
      if (!isStatus(error, 409)) throw error;
    });
    return this.ready;
  }

  async get(serial: string): Promise<LedgerEntry | undefined> {
    await this.ensure();
    try {
      const row = await this.client.getEntity<Row>(partitionOf(serial), rowKeyOf(serial));
      return LedgerEntry.parse(JSON.parse(row.entry));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async upsert(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.ensure();
    // One serial per transaction (a transaction may not touch a row twice): the last entry wins.
    const byPartition = new Map<string, Map<string, LedgerEntry>>();
    for (const e of entries) {
      const partition = partitionOf(e.serialNumber);
      let rows = byPartition.get(partition);
      if (!rows) byPartition.set(partition, (rows = new Map()));
      rows.set(rowKeyOf(e.serialNumber), e);
    }
    const transactions: [string, LedgerEntry[]][] = [];
    for (const [partition, rows] of byPartition) {
      const unique = [...rows.values()];
      for (let i = 0; i < unique.length; i += TRANSACTION) transactions.push([partition, unique.slice(i, i + TRANSACTION)]);
    }
    // Transactions of different partitions are independent: a few in flight at once, as one after
    // another a 100,000-device run spent most of its report step waiting on them (issue 16).
    let next = 0;
    const worker = async () => {
      while (next < transactions.length) {
        const [partition, list] = transactions[next++]!;
        const tx = new TableTransaction();
        for (const e of list)
          tx.upsertEntity<Row>(
            { partitionKey: partition, rowKey: rowKeyOf(e.serialNumber), entry: JSON.stringify(LedgerEntry.parse(e)) },
            'Replace',
          );
        await this.client.submitTransaction(tx.actions);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TRANSACTIONS_IN_FLIGHT, transactions.length) }, worker));
  }

  async *entries(): AsyncIterable<LedgerEntry> {
    await this.ensure();
    for await (const page of this.client
      .listEntities<Row>({ queryOptions: { filter: `PartitionKey ne '${MARKER_PARTITION}'` } })
      .byPage({ maxPageSize: 1000 })) {
      for (const row of page as TableEntityResult<Row>[]) yield LedgerEntry.parse(JSON.parse(row.entry));
    }
  }

  async getMarker(name: string): Promise<string | undefined> {
    await this.ensure();
    try {
      return (await this.client.getEntity<{ value: string }>(MARKER_PARTITION, name)).value;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async setMarker(name: string, value: string): Promise<void> {
    await this.ensure();
    await this.client.upsertEntity({ partitionKey: MARKER_PARTITION, rowKey: name, value }, 'Replace');
  }
}
