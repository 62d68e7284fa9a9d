// Statement texts that hot paths build from a few variable parts (the dialect, a count, a flag), made
// once per distinct parts. Both drivers look a text up by its value (prepared statements), and a text
// built at each call is built and hashed anew each time: the tree's patch, 1.3 kB of SQL, cost 5.7 µs
// a call that way against 0.1 µs kept (BENCHMARKS.md, issue 18 round 18).

const texts = new WeakMap<object, Map<string, string>>();

/** At most this many texts per owner: a key that grew with the data would otherwise grow the cache. */
const LIMIT = 256;

/** The text `build` makes for `key`, made once per `owner` (a dialect) and key. */
export function textOnce(owner: object, key: string, build: () => string): string {
  let byKey = texts.get(owner);
  if (byKey === undefined) texts.set(owner, (byKey = new Map()));
  let text = byKey.get(key);
  if (text === undefined) {
    text = build();
    if (byKey.size < LIMIT) byKey.set(key, text);
  }
  return text;
}
