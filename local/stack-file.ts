import { join } from 'node:path';
import { REPO_ROOT } from './stack';

/** Where `npm start` keeps its state, and the file that tells `npm run drop` where the stack runs. */
export const LOCAL_DIR = join(REPO_ROOT, '.local');
export const STACK_FILE = join(LOCAL_DIR, 'stack.json');
