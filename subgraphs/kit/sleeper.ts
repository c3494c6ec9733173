/**
 * The idle wait of a background loop (the outbox relay, the webhook worker): sleeps between polls,
 * can be woken early when local work arrives, and always ends at once when the loop stops.
 * A wake that comes while the loop is busy is remembered, so the next sleep returns at once.
 */
export class Sleeper {
  private interrupt?: () => void;
  /** Whether the sleep in progress may be cut short by wake(). */
  private wakeable = true;
  private woken = false;
  private stopped = false;

  /** New work: end the current sleep (if it may be woken), or skip the next one. */
  wake(): void {
    this.woken = true;
    if (this.wakeable) this.interrupt?.();
  }

  /** Ends the current sleep and makes every later one return at once. */
  stop(): void {
    this.stopped = true;
    this.interrupt?.();
  }

  /**
   * Waits `ms`, or less when woken. `wakeable: false` (a backoff after failures) lets only stop()
   * end it early; a wake that comes meanwhile is then forgotten, as the backoff paces the retry.
   */
  async sleep(ms: number, { wakeable = true } = {}): Promise<void> {
    if (this.stopped) return;
    if (this.woken && wakeable) {
      this.woken = false;
      return;
    }
    this.wakeable = wakeable;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      this.interrupt = resolve;
    });
    clearTimeout(timer);
    this.interrupt = undefined;
    this.wakeable = true;
    this.woken = false;
  }
}
