import { randomUUID } from 'node:crypto';
import type { CoreRegistry, RegisteredFunction } from './core-api';
import { FunctionInErrorError, type FunctionErrors } from './function-errors';
import type { CoreInvocationContext, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './types';

export type InputsByType = Partial<Record<string, RpcTypedData>>;

export interface InvokeRequest {
  functionName: string;
  /** Typed data per binding *type* (e.g. `httpTrigger`, `durableClient`); mapped to the generated binding names. */
  inputs: InputsByType;
  triggerMetadata?: Record<string, RpcTypedData>;
}

/**
 * Runs one invocation through the programming model exactly as the Node worker does
 * (`InvocationHandler.ts`): getArguments → preInvocation hooks → invokeFunction → postInvocation hooks → getResponse.
 */
export class Invoker {
  constructor(
    private readonly registry: CoreRegistry,
    private readonly log: (line: string) => void,
    /** Functions in error (./function-errors.ts): every invocation of one is refused with its reasons. */
    private readonly errors: FunctionErrors = new Map(),
  ) {}

  /** The reasons a function is in error, or undefined when it can run. */
  errorsOf(functionName: string): readonly string[] | undefined {
    return this.errors.get(functionName);
  }

  get(functionName: string): RegisteredFunction {
    const fn = this.registry.functions.get(functionName);
    if (!fn) throw new Error(`Function '${functionName}' is not registered by the app.`);
    return fn;
  }

  /** Function lookup that ignores case, as the Functions host does for entity and orchestrator names. */
  find(functionName: string, triggerType?: string): RegisteredFunction | undefined {
    const lower = functionName.toLowerCase();
    for (const fn of this.registry.functions.values()) {
      if (fn.name.toLowerCase() !== lower) continue;
      if (!triggerType || Object.values(fn.bindings).some((b) => b.type === triggerType)) return fn;
    }
    return undefined;
  }

  async invoke(req: InvokeRequest): Promise<RpcInvocationResponse> {
    const fn = this.get(req.functionName);
    const reasons = this.errors.get(fn.name);
    if (reasons) {
      // Loud at every call: whoever called it (HTTP, an orchestration, a listener) gets the reason.
      const err = new FunctionInErrorError(fn.name, reasons);
      this.log(`[${fn.name}] error: invocation refused: ${err.message}`);
      throw err;
    }
    const pm = this.registry.programmingModel;
    if (!pm) throw new Error('The app registered no programming model (is @azure/functions loaded?).');
    const inputData: RpcParameterBinding[] = [];
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== 'in' || !binding.type) continue;
      const data = req.inputs[binding.type];
      if (data !== undefined) inputData.push({ name, data });
    }
    const invocationId = randomUUID();
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: req.triggerMetadata ?? {} },
      metadata: { name: fn.name, functionId: fn.name, bindings: fn.bindings },
      log: (level, category, message) => {
        if (level === 'debug' || level === 'trace') return;
        this.log(`[${fn.name}${category === 'user' ? '' : `/${category}`}] ${level}: ${message}`);
      },
    };
    const model = await pm.getInvocationModel(coreCtx);
    const args = await model.getArguments();
    const context = args.context;
    let inputs = args.inputs;
    let callback = fn.callback;

    coreCtx.state = 'preInvocationHooks';
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = {
      invocationContext: context,
      inputs,
      functionCallback: callback,
      hookData,
      appHookData: this.registry.appHookData,
    };
    for (const hook of this.registry.hooks.preInvocation) await hook(pre);
    inputs = pre.inputs as unknown[];
    callback = pre.functionCallback as typeof callback;

    coreCtx.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await model.invokeFunction(context, inputs, callback);
    } catch (err) {
      error = err;
    }

    coreCtx.state = 'postInvocationHooks';
    const post: Record<string, unknown> = {
      invocationContext: context,
      inputs,
      result,
      error,
      hookData,
      appHookData: this.registry.appHookData,
    };
    for (const hook of this.registry.hooks.postInvocation) await hook(post);
    if (post.error !== undefined && post.error !== null) throw post.error;
    return model.getResponse(context, post.result);
  }
}
