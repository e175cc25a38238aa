/**
 * Bounded concurrency for the scheduler and the CLI: a fixed number of workers pull items from a
 * source until it runs dry. The source may be a list or a claim that fetches a batch at a time.
 */

/** Where the workers take their next item from; undefined when there is none left. */
export type PoolSource<T> = () => Promise<T | undefined>;

/**
 * Runs `fn` over the items of `next` with at most `concurrency` in flight; resolves once the
 * source is dry and every item has been handled. `fn` must not throw (it records its failures).
 * @example await runPool(4, fromList(configs), (c) => runOne(c));
 */
export async function runPool<T>(
  concurrency: number,
  next: PoolSource<T>,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  const worker = async () => {
    for (let item = await next(); item !== undefined; item = await next()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

/** A source over a list, in order. */
export function fromList<T>(items: readonly T[]): PoolSource<T> {
  let i = 0;
  return () => Promise.resolve(i < items.length ? items[i++] : undefined);
}

/**
 * A source that fetches `fetch()` batches as the workers drain them: one fetch at a time, shared
 * by the workers waiting on it; dry once a fetch returns nothing (or `stop()` says so).
 */
export function batched<T>(
  fetch: () => Promise<T[]>,
  stop: () => boolean = () => false,
): PoolSource<T> {
  const queue: T[] = [];
  let dry = false;
  let fetching: Promise<void> | undefined;
  const next = async (): Promise<T | undefined> => {
    while (queue.length === 0) {
      if (dry || stop()) return undefined;
      fetching ??= fetch().then((items) => {
        if (items.length === 0) dry = true;
        queue.push(...items);
      }).finally(() => fetching = undefined);
      await fetching;
    }
    return queue.shift();
  };
  return next;
}
