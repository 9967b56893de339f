import { describe, expect, it } from 'vitest';
import { intakeOrchestrator, STEPS_PER_GENERATION } from '../../orchestrations/intake';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, ParseStep } from '../../shared/contracts/activities';
import { emptyCounts, type IntakeInput } from '../../shared/contracts/run';
import { intakeOrchestrator as deployedAt873c94a } from '../support/legacy/intake-873c94a';
import { replay, type ActivityScript } from '../support/replay-driver';
import { settings } from '../support/run-fixtures';

const input: IntakeInput = {
  runId: 'intake-0123456789abcdef0123456789abcdef',
  source: { container: 'autopilot-intake', name: 'drop.csv', etag: '"0x1"' },
  settings: settings(),
};

/**
 * A run with every kind of step: import steps with work ready at once, confirm steps that fail and
 * wait, cleanup over several steps and a generation boundary. Step results in the shape the
 * deployed version wrote them (done/moreWork), which today's contract still reads.
 */
function script(confirmSteps: number): ActivityScript {
  let imports = 0;
  let confirms = 0;
  let cleanups = 0;
  return (name, raw) => {
    const counts = { ...emptyCounts(), rows: 3, valid: 3 };
    if (name === ParseStep.name) return { result: { runId: input.runId, chunkCount: 2, counts } };
    if (name === ImportStep.name) return { result: { done: ++imports >= 3, moreWork: imports === 1, counts } };
    if (name === ConfirmStep.name) {
      confirms++;
      // Calls 2–6: one step failing all five attempts of its retry policy, then polled again.
      if (confirms >= 2 && confirms <= 6) return { error: 'Graph unavailable' };
      return { result: { done: confirms >= confirmSteps, counts: { ...counts, confirmed: confirms } } };
    }
    if (name === FinalizeStep.name)
      return {
        result: { runId: (raw as { runId: string }).runId, status: 'completed', reportPath: 'r/', counts: { ...counts, confirmed: 3 } },
      };
    if (name === CleanupStep.name) return { result: { done: ++cleanups >= 3, moreWork: cleanups < 3, counts, recordsLeft: 3 - cleanups } };
    return { error: `unexpected ${name}` };
  };
}

describe('upgrading with runs in flight: histories written by the deployed orchestration replay under this one', () => {
  it('the current code alone gives the same run as the deployed code alone', async () => {
    const before = await replay(deployedAt873c94a, input, script(STEPS_PER_GENERATION + 10));
    const after = await replay(intakeOrchestrator, input, script(STEPS_PER_GENERATION + 10));
    expect(after.activityCalls.map((c) => c.name)).toEqual(before.activityCalls.map((c) => c.name));
    expect(after.timers).toEqual(before.timers);
    expect(after.generations).toBe(before.generations);
    expect(after.output).toEqual(before.output);
  });

  it('an upgrade at any point of a run — parse, import, a failed confirm, a generation boundary, cleanup — replays without divergence and ends the same', async () => {
    const reference = await replay(deployedAt873c94a, input, script(STEPS_PER_GENERATION + 10));
    const episodes = reference.activityCalls.length + reference.timers.length;
    expect(reference.generations).toBeGreaterThanOrEqual(2);
    for (let at = 1; at < episodes; at += 3) {
      const upgraded = await replay(deployedAt873c94a, input, script(STEPS_PER_GENERATION + 10), {
        upgrade: { atEpisode: at, handler: intakeOrchestrator },
      });
      expect(upgraded.output, `upgrade at episode ${at}`).toEqual(reference.output);
      expect(
        upgraded.activityCalls.map((c) => c.name),
        `upgrade at episode ${at}`,
      ).toEqual(reference.activityCalls.map((c) => c.name));
    }
    // About 60 whole replays, CPU-bound: ~10 s of CPU alone, several times that on a machine shared
    // with the stack suites; the limit is for a hang, not a speed target.
  }, 240_000);
});
