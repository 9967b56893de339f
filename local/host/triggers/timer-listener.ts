export interface TimerTriggerBinding {
  functionName: string;
  /** 6-field NCRONTAB, seconds first. */
  schedule: string;
  runOnStartup: boolean;
  useMonitor: boolean;
}

export interface TimerInfo {
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string } | null;
  isPastDue: boolean;
}

export interface TimerListenerOptions {
  bindings: TimerTriggerBinding[];
  invoke: (functionName: string, info: TimerInfo) => Promise<void>;
  stateDir: string;
  now?: () => Date;
  log?: (msg: string) => void;
}

export async function startTimerListener(_opts: TimerListenerOptions): Promise<{ stop(): Promise<void> }> {
  throw new Error('startTimerListener: not implemented yet (work in progress)');
}
