/** Device search (filled in by a later change). */
import { h, show } from './dom';

export function deviceView(root: HTMLElement): void {
  show(root, h('h1', {}, 'Device search'));
}
