// poly:math: arithmetic, written in JavaScript (componentize-js via jco).
export const api = {
  add(a, b) {
    return a + b;
  },
  fib(n) {
    let [a, b] = [0n, 1n];
    for (let i = 0; i < n; i++) {
      [a, b] = [b, a + b];
    }
    return a;
  },
};
