/**
 * Runs jobs one at a time in arrival order. The LLM engine puts each forward pass (a prefill or
 * one decode step) through the queue of its model, so concurrent requests interleave step by
 * step and share the device fairly instead of one request holding it for a whole generation.
 */
export class FifoQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Jobs queued or running. */
  get depth(): number {
    return this.waiting;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job);
    const settle = (): void => {
      this.waiting--;
    };
    this.tail = result.then(settle, settle);
    return result;
  }
}
