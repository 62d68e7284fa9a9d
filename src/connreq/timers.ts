// Time for the connection-request transports: a monotonic clock for durations, the wall clock for
// timestamps, and timers. Each is passed in (tests replace them); these are the defaults.

/** Timers as the transports use them: enough to arm and cancel a deadline. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** Milliseconds from an arbitrary origin, never going backwards: for durations. */
export const monotonicClock = (): number => performance.now();

/** Milliseconds since the Unix epoch: for timestamps. */
export const wallClock = (): number => Date.now();

/** Resolves after `ms` on the given timers. */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.setTimeout(resolve, ms);
  });
}
