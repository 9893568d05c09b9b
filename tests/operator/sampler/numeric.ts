/** Independent references for the density tests: the normal pdf and Simpson's rule. */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** ∫ f over [a, b] by composite Simpson with n (even) panels. */
export function simpson(f: (x: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** Mass of N(mu, sigma²) on [a, b], by integration. */
export function normalMass(mu: number, sigma: number, a: number, b: number, n = 2000): number {
  return simpson((x) => normalPdf((x - mu) / sigma) / sigma, a, b, n);
}

export function assertClose(actual: number, expected: number, relative: number, label = ''): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  if (!(Math.abs(actual - expected) <= relative * scale)) {
    throw new Error(
      `${label} expected ${expected} but got ${actual} (relative error ${Math.abs(actual - expected) / scale})`,
    );
  }
}

/** Simpson with compensated summation, Richardson-extrapolated (error O(h⁶)): for references near 1e-16. */
export function preciseIntegral(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const compensatedSimpson = (panels: number) => {
    const h = (b - a) / panels;
    let sum = 0;
    let carry = 0;
    for (let i = 0; i <= panels; i++) {
      const term = (i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2) * f(a + i * h) - carry;
      const next = sum + term;
      carry = next - sum - term;
      sum = next;
    }
    return (sum * h) / 3;
  };
  return (16 * compensatedSimpson(2 * n) - compensatedSimpson(n)) / 15;
}
