export interface StorageOutputBinding {
  type: 'blob' | 'queue';
  path?: string;
  queueName?: string;
  connectionString: string;
}

export async function writeOutputBinding(
  _binding: StorageOutputBinding,
  _value: unknown,
  _bindingData: Record<string, unknown>,
): Promise<void> {
  throw new Error('writeOutputBinding: not implemented yet (work in progress)');
}
