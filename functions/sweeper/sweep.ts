/**
 * The sweep engine now lives in the use case `#app/sweep-due-timers`; re-exported here for the step
 * processor and the tests and benchmark that build a sweeper with their own processors.
 */
export {
  createSweeper,
  rateLimiter,
  type SweepOptions,
  type SweepReport,
  type TimerProcessor,
  type TimerWork,
} from '#app/sweep-due-timers';
