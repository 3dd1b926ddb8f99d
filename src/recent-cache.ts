// A lookup computed once per key while the key keeps being asked for, holding only the most recently
// used few: rows of one order mostly come together in a file, so a handful of orders cover them
// while memory stays flat however many orders the batch has.

export function recentCache<K, V>(capacity: number, make: (key: K) => V): (key: K) => V {
  const entries = new Map<K, V>();
  // The key asked for last is asked for again by most calls (every row of an order): answered
  // without touching the map, so a million rows cost a million comparisons, not four map operations each.
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  let hasLast = false;
  return (key) => {
    if (hasLast && key === lastKey) return lastValue as V;
    let value: V;
    if (entries.has(key)) {
      value = entries.get(key)!;
      entries.delete(key); // re-inserted below: the most recently used goes last
    } else {
      value = make(key);
      if (entries.size >= capacity) entries.delete(entries.keys().next().value!);
    }
    entries.set(key, value);
    lastKey = key;
    lastValue = value;
    hasLast = true;
    return value;
  };
}
