/** Registers the intake orchestration and its activities with the Functions host. */
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITY, FinalizeInput, ORCHESTRATOR, StepInput } from '../shared/contracts';
import { intakeOrchestrator } from '../orchestrations/intake';
import { runParseStep, ParseInput } from '../shared/run/parse-step';
import { runImportStep } from '../shared/run/import-step';
import { runConfirmStep } from '../shared/run/confirm-step';
import { runFinalizeStep } from '../shared/run/finalize-step';
import { runCleanupStep } from '../shared/run/cleanup-step';
import { stopOnPermanentFailure } from '../shared/run/stop';
import { getServices } from './composition';

df.app.orchestration(ORCHESTRATOR, intakeOrchestrator);

function logger(context: InvocationContext) {
  return (message: string) => context.log(message);
}

df.app.activity(ACTIVITY.parse, {
  handler: async (raw: unknown, context: InvocationContext) => {
    const { objects, runs } = getServices();
    return runParseStep({ objects, runs, log: logger(context) }, ParseInput.parse(raw));
  },
});

df.app.activity(ACTIVITY.importStep, {
  handler: async (raw: unknown, context: InvocationContext) => {
    const { graph, runs } = getServices();
    const input = StepInput.parse(raw);
    return stopOnPermanentFailure('import', input.now, logger(context), () => runImportStep({ graph, runs, log: logger(context) }, input));
  },
});

df.app.activity(ACTIVITY.confirmStep, {
  handler: async (raw: unknown, context: InvocationContext) => {
    const { graph, runs, objects } = getServices();
    const input = StepInput.parse(raw);
    return stopOnPermanentFailure('confirm', input.now, logger(context), () => runConfirmStep({ graph, runs, objects, log: logger(context) }, input));
  },
});

df.app.activity(ACTIVITY.finalize, {
  handler: async (raw: unknown, context: InvocationContext) => {
    const { objects, runs } = getServices();
    return runFinalizeStep({ objects, runs, log: logger(context) }, FinalizeInput.parse(raw));
  },
});

df.app.activity(ACTIVITY.cleanupStep, {
  handler: async (raw: unknown, context: InvocationContext) => {
    const { graph, runs } = getServices();
    const input = StepInput.parse(raw);
    return stopOnPermanentFailure('cleanup', input.now, logger(context), () => runCleanupStep({ graph, runs, log: logger(context) }, input));
  },
});
