export * from './env.ts';
export * from './events.ts';
export * from './training.ts';
export * from './errors.ts';
