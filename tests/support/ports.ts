export { freePort } from '../../local/azurite';
