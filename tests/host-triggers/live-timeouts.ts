import type { TimerFunctions } from '../../local/host/triggers/timer-listener';

/**
 * Node's timer functions, counting the timeouts still set (neither fired nor cleared). A listener
 * with none set after stop() cannot fire again: checked at once, instead of sleeping and seeing
 * that nothing happened.
 */
export function liveTimeouts(): TimerFunctions & { live(): number } {
  const live = new Set<NodeJS.Timeout>();
  return {
    setTimeout(callback, ms) {
      const handle = setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      clearTimeout(handle);
    },
    live: () => live.size,
  };
}
