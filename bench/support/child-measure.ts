/**
 * Measuring one size of a benchmark in a fresh child process, so one size's garbage cannot hide or
 * inflate the next one's peak: the parent forks this script with `--measure …`, the child runs the
 * work once and sends back its figures with its time and memory, the parent waits for it to exit.
 * (Was repeated in bench/csv-parse.ts and bench/parse-step-scale.ts.)
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';

export interface Footprint {
  seconds: number;
  /** RSS when the work started (the process's own start-up). */
  baselineRssMb: number;
  /** The process's peak RSS (getrusage maxrss): the work's peak, the child having done nothing else. */
  peakRssMb: number;
}

/** In the child: runs `work` once and adds its time and memory to its figures. */
export async function measureFootprint<T extends object>(work: () => Promise<T>): Promise<T & Footprint> {
  const baseline = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const figures = await work();
  return {
    ...figures,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    baselineRssMb: baseline / 2 ** 20,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** In the parent: forks `script` with `args` (and extra node flags), returns the one message it sends. */
export async function inChild<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  const child = fork(script, args, { execArgv: [...process.execArgv, ...nodeFlags] });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => Promise.reject(new Error(`child exited ${String(code)} without figures`))),
  ])) as [unknown];
  await exited;
  return message as T;
}
