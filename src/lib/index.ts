// Small cross-cutting building blocks shared by every folder: time, ids, typed errors.
export { ManualClock, systemClock, type Clock } from './clock.js';
