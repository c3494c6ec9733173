/** What `within` resolves with when the work took longer than allowed. */
export const TIMED_OUT = Symbol('timed out');

/**
 * Waits for `work` at most `ms`, so a caller never waits on a dependency that stopped answering:
 * past the bound it resolves with TIMED_OUT and leaves the work to finish (or fail) on its own.
 * A rejection of `work` within the bound is passed on.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
