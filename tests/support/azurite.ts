/** Tests use the product's Azurite launcher: in memory, on free ports. */
export { DEV_ACCOUNT, DEV_KEY, connectionStringFor, startAzurite, type AzuriteInstance } from '../../local/azurite';
