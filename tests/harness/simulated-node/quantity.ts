const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes resource quantity ("500m", "2Gi", "1e3", 4) as a plain number. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?[0-9.]+)(e[+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!match) throw new Error(`"${quantity}" is not a Kubernetes quantity`);
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix.startsWith('e')) return value * 10 ** Number(suffix.slice(1));
  return value * (binarySuffixes[suffix] ?? decimalSuffixes[suffix]);
}

/** Adds each resource of `more` into `into` (requests of several containers or pods). */
export function addResources(into: Map<string, number>, more: Record<string, string | number> | undefined): void {
  for (const [name, quantity] of Object.entries(more ?? {})) {
    into.set(name, (into.get(name) ?? 0) + parseQuantity(quantity));
  }
}
