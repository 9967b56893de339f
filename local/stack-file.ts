import { join } from 'node:path';
import { REPO_ROOT } from './stack';

/** Where `npm start` keeps its state, and the file that tells `npm run drop` where the stack runs. */
export const LOCAL_DIR = join(REPO_ROOT, '.local');
/** INTAKE_STACK_FILE points `npm run drop` at another stack (tests run their own beside a developer's). */
export const STACK_FILE = process.env.INTAKE_STACK_FILE ?? join(LOCAL_DIR, 'stack.json');
