export * from './run';
export * from './contract';
export * from './activities';
