/** One run (filled in by the next change). */
import { h, show } from './dom';

export function runView(root: HTMLElement, runId: string): void {
  show(root, h('h1', {}, runId));
}
