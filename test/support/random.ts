// A seeded pseudo-random source (xorshift32) for tests that must replay a failure from the seed
// they print: random(below) is an integer in [0, below).
export function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}
