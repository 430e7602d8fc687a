// Chevrotain 13 calls Object.groupBy (ES2024) while validating a grammar and
// generating CST types; Node 20, which package.json still supports, lacks it.
// Importing this module installs a spec-following version when it is missing.

type GroupBy = <T, K extends PropertyKey>(
  items: Iterable<T>,
  keyOf: (item: T, index: number) => K,
) => Partial<Record<K, T[]>>;

const objectWithGroupBy = Object as unknown as { groupBy?: GroupBy };

if (typeof objectWithGroupBy.groupBy !== 'function') {
  const groupBy: GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, keyOf: (item: T, index: number) => K) => {
    // The spec returns a null-prototype object so keys like `constructor` are safe.
    const groups = Object.create(null) as Partial<Record<K, T[]>>;
    let index = 0;
    for (const item of items) {
      const key = keyOf(item, index++);
      (groups[key] ??= []).push(item);
    }
    return groups;
  };
  Object.defineProperty(Object, 'groupBy', { value: groupBy, writable: true, configurable: true });
}

export {};
