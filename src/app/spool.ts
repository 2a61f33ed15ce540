// Work accepted while the shared queue's database does not answer (a restart, a failover): kept in this
// process, bounded, and handed to the queue once the database answers again. GitHub does not redeliver a
// webhook it got an error for, so without this a database blip of a few seconds lost every delivery in it
// until a reconcile pass. What is held dies with the process; reconcile heals that.

export interface SpoolOptions<T> {
  /** The shared queue's push: throws while the database does not answer, false when it refuses (full). */
  push(key: string, item: T): Promise<boolean>;
  /** Two items for one key become one (the queue's own merge). */
  merge(older: T, newer: T): T;
  /** Items held at most; beyond it `hold` refuses. */
  max: number;
  /** How often held items are offered to the queue again. */
  retryMs: number;
  onChange?(held: number): void;
  onFlushed?(count: number): void;
}

export class Spool<T> {
  private readonly held = new Map<string, T>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> | undefined;

  constructor(private readonly o: SpoolOptions<T>) {}

  get size(): number {
    return this.held.size;
  }

  /** Keeps `item` until the queue takes it; false when the spool is full (the caller refuses the work). */
  hold(key: string, item: T): boolean {
    const older = this.held.get(key);
    if (older === undefined && this.held.size >= this.o.max) return false;
    this.held.set(key, older === undefined ? item : this.o.merge(older, item));
    this.o.onChange?.(this.held.size);
    this.timer ??= setInterval(() => void this.flush(), this.o.retryMs).unref();
    return true;
  }

  /** Offers the held items to the queue in the order they came; stops at the first that fails. */
  flush(): Promise<number> {
    this.flushing ??= this.pushAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async pushAll(): Promise<number> {
    let pushed = 0;
    for (const [key, item] of [...this.held]) {
      const taken = await this.o.push(key, item).catch(() => false);
      if (!taken) break;
      // An item held again for the key meanwhile stays for the next pass.
      if (this.held.get(key) === item) this.held.delete(key);
      pushed++;
    }
    if (pushed > 0) {
      this.o.onChange?.(this.held.size);
      this.o.onFlushed?.(pushed);
    }
    if (this.held.size === 0) this.stop();
    return pushed;
  }

  /** What is held now, in the order it came. */
  items(): T[] {
    return [...this.held.values()];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
