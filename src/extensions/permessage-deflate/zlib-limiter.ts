/**
 * How many zlib jobs (one frame's inflating or deflating) run at once in the process. zlib work goes
 * to libuv's thread pool; letting thousands of connections queue there at once fragments memory badly
 * (nodejs/node#8871) and starves file system and DNS work of threads. 10 is what `ws` uses.
 */
export const ZLIB_CONCURRENCY = 10;

/** @internal A first-in first-out queue that runs at most `concurrency` asynchronous jobs at once. */
export class JobLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(readonly concurrency: number) {}

  /** Jobs started and not yet settled. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting for a free slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Runs `job` when a slot is free; settles as it does. A job must settle for its slot to be freed. */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) return this.start(job);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => this.start(job).then(resolve, reject));
    });
  }

  private start<T>(job: () => Promise<T>): Promise<T> {
    this.running++;
    let promise: Promise<T>;
    try {
      promise = job();
    } catch (error) {
      promise = Promise.reject(error);
    }
    return promise.finally(() => this.release());
  }

  private release(): void {
    this.running--;
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else if (this.head > 0) {
      this.waiting.length = 0;
      this.head = 0;
    }
  }
}

function noop(): void {}

/** @internal The process-wide limiter every permessage-deflate context shares. */
export const zlibLimiter = new JobLimiter(ZLIB_CONCURRENCY);
