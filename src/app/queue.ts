// The in-process queue behind the webhook acknowledgement. Webhook handlers only push work and return, so
// GitHub gets its answer in milliseconds; evaluations run here, a few at a time.
//
// Work items carry a key (repository, commit, context). An item whose key is already queued replaces the
// queued one; an item whose key is running is parked and queued again once the run ends. So any burst for
// one key costs at most two runs: the one running and one re-run that sees the latest state.

export type PushResult = "queued" | "coalesced" | "rerun" | "rejected";

export interface QueueOptions<T> {
  concurrency: number;
  /** Distinct keys waiting (queued or parked); beyond it, push is refused. */
  maxQueued: number;
  /** Combines a waiting item with a newer one for the same key; default: the newer wins. */
  merge?: (older: T, newer: T) => T;
  /** Runs before every waiting item that is not urgent (someone is waiting on it). */
  urgent?: (item: T) => boolean;
  onChange?: (state: { queued: number; running: number }) => void;
  onError?: (error: unknown, key: string, item: T) => void;
}

export class WorkQueue<T> {
  private readonly queued = new Map<string, T>();
  private readonly running = new Set<string>();
  private readonly parked = new Map<string, T>();
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly worker: (item: T, key: string) => Promise<void>,
    private readonly options: QueueOptions<T>,
  ) {}

  get depth(): number {
    return this.queued.size + this.parked.size;
  }

  get active(): number {
    return this.running.size;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  push(key: string, item: T): PushResult {
    if (this.closed) return "rejected";
    const merge = this.options.merge ?? ((_old: T, next: T) => next);
    let result: PushResult;
    if (this.running.has(key)) {
      const waiting = this.parked.get(key);
      if (waiting === undefined && this.depth >= this.options.maxQueued) return "rejected";
      this.parked.set(key, waiting === undefined ? item : merge(waiting, item));
      result = waiting === undefined ? "rerun" : "coalesced";
    } else if (this.queued.has(key)) {
      this.queued.set(key, merge(this.queued.get(key)!, item));
      result = "coalesced";
    } else {
      if (this.depth >= this.options.maxQueued) return "rejected";
      this.queued.set(key, item);
      result = "queued";
    }
    this.changed();
    this.pump();
    return result;
  }

  /** Resolves when nothing is queued, parked or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops accepting work and waits up to `timeoutMs` for what is queued and running; true if it all finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const done = await Promise.race([this.idle().then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  private isIdle(): boolean {
    return this.queued.size === 0 && this.parked.size === 0 && this.running.size === 0;
  }

  private changed(): void {
    this.options.onChange?.({ queued: this.depth, running: this.running.size });
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.queued.size > 0) {
      const [key, item] = this.nextQueued();
      this.queued.delete(key);
      this.running.add(key);
      this.changed();
      void this.execute(key, item);
    }
  }

  /** The oldest urgent item, else the oldest. The scan is bounded by maxQueued. */
  private nextQueued(): [string, T] {
    const urgent = this.options.urgent;
    if (urgent) for (const entry of this.queued) if (urgent(entry[1])) return entry;
    return this.queued.entries().next().value as [string, T];
  }

  private async execute(key: string, item: T): Promise<void> {
    try {
      await this.worker(item, key);
    } catch (error) {
      this.options.onError?.(error, key, item);
    } finally {
      this.running.delete(key);
      const next = this.parked.get(key);
      if (next !== undefined) {
        this.parked.delete(key);
        this.queued.set(key, next);
      }
      this.changed();
      this.pump();
      if (this.isIdle()) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    }
  }
}

/** A bounded set of recently seen ids (X-GitHub-Delivery): the oldest are forgotten first. */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly max = 10_000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    while (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }

  get size(): number {
    return this.ids.size;
  }
}
