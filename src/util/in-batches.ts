/** Run `fn` over `items`, `parallel` at a time (each batch finishes before the next starts). */
export async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<unknown>, parallel = 16): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) await Promise.all(items.slice(i, i + parallel).map(fn));
}
