export * from './run';
export * from './contract';
export * from './activities';
export * from './reconcile';
export * from './reconcile-activities';
export * from './delivery';
export * from './notify';
