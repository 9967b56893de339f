import Module from 'node:module';
import type { FunctionCallback, FunctionMetadata, HookCallback, HookName, ProgrammingModel, RpcBindingInfo } from './types';

/**
 * The in-memory `@azure/functions-core` module, as the Node worker provides it. `@azure/functions`
 * looks it up lazily and caches a miss as "test mode" (silently dropping every registration), so the
 * require hook must be installed before the app's first `app.*` call.
 */

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  callback: FunctionCallback;
}

class Disposable {
  static from(...items: { dispose(): void }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  #fn: (() => void) | undefined;
  constructor(fn: () => void) {
    this.#fn = fn;
  }
  dispose(): void {
    this.#fn?.();
    this.#fn = undefined;
  }
}

type LogSink = (level: string, category: string, message: string) => void;

const HOOK_NAMES: readonly HookName[] = ['preInvocation', 'postInvocation', 'appStart', 'appTerminate'];

export class CoreRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks: Record<HookName, HookCallback[]> = { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [] };
  programmingModel: ProgrammingModel | undefined;
  locked = false;
  /** One object for every hook of the app's lifetime, as the worker shares it (`appHookData`). */
  readonly appHookData: Record<string, unknown> = {};
  logSink: LogSink = () => undefined;

  readonly api = {
    version: '3.10.1-local',
    hostVersion: '4.1037.0-local',
    Disposable,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable => {
      if (this.locked) throw new Error(`A function can only be registered during app startup (tried to register '${metadata.name}').`);
      const id = metadata.functionId ?? metadata.name;
      if (this.functions.has(id)) throw new Error(`A function with the name '${id}' has already been registered.`);
      this.functions.set(id, { name: metadata.name, bindings: metadata.bindings, callback });
      return new Disposable(() => this.functions.delete(id));
    },
    setProgrammingModel: (pm: ProgrammingModel): void => {
      this.programmingModel = pm;
    },
    getProgrammingModel: (): ProgrammingModel | undefined => this.programmingModel,
    registerHook: (name: string, callback: HookCallback): Disposable => {
      if (!(HOOK_NAMES as readonly string[]).includes(name)) {
        throw new Error(`The local host does not support '${name}' hooks (supported: ${HOOK_NAMES.join(', ')}).`);
      }
      const list = this.hooks[name as HookName];
      list.push(callback);
      return new Disposable(() => {
        const i = list.indexOf(callback);
        if (i >= 0) list.splice(i, 1);
      });
    },
    log: (level: string, category: string, message: string): void => this.logSink(level, category, message),
  };
}

let installed: CoreRegistry | undefined;

/** Installs the require hook once per process; the app is loaded once per process too. */
export function installCoreApi(): CoreRegistry {
  if (installed) return installed;
  const registry = new CoreRegistry();
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, self, args: unknown[]) {
      return args[0] === '@azure/functions-core' ? registry.api : Reflect.apply(target, self, args);
    },
  });
  installed = registry;
  return registry;
}
