/** The background loops' idle wait: woken early, remembered wakes, backoffs only stop() ends. */
import { Sleeper } from './sleeper';

const LONG = 10 * 60_000;
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Starts a sleep and reports whether it has ended. */
function track(sleep: Promise<void>): { ended: () => boolean; done: Promise<void> } {
  let ended = false;
  const done = sleep.then(() => {
    ended = true;
  });
  return { ended: () => ended, done };
}

describe('Sleeper', () => {
  it('ends a sleep when woken', async () => {
    const sleeper = new Sleeper();
    const sleep = track(sleeper.sleep(LONG));
    await settle();
    expect(sleep.ended()).toBe(false);
    sleeper.wake();
    await sleep.done;
  });

  it('remembers a wake that came while the loop was busy, once', async () => {
    const sleeper = new Sleeper();
    sleeper.wake();
    await sleeper.sleep(LONG);
    const next = track(sleeper.sleep(LONG));
    await settle();
    expect(next.ended()).toBe(false);
    sleeper.stop();
    await next.done;
  });

  it('lets only stop() end a backoff, and forgets wakes during it', async () => {
    const sleeper = new Sleeper();
    sleeper.wake();
    const backoff = track(sleeper.sleep(LONG, { wakeable: false }));
    sleeper.wake();
    await settle();
    expect(backoff.ended()).toBe(false);
    sleeper.stop();
    await backoff.done;
    // Stopped: every later sleep returns at once.
    await sleeper.sleep(LONG);
  });
});
