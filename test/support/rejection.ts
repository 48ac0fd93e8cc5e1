/** Resolves with the error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

/**
 * Calls `call` until an attempt gets through (at most 50), as an activity's retries would; every
 * failure on the way must be `transient` (a TransientError). Returns the result and how many failed.
 */
export async function untilThrough<T>(
  call: () => Promise<T>,
  transient: new (...args: never[]) => Error,
): Promise<{ result: T; failures: number }> {
  let failures = 0;
  for (let attempt = 0; attempt <= 50; attempt++) {
    try {
      return { result: await call(), failures };
    } catch (err) {
      if (!(err instanceof transient)) throw err;
      failures++;
    }
  }
  throw new Error('no attempt got through');
}
