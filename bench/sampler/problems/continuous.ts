/**
 * Continuous test functions in 2–20 dimensions, after the BBOB noiseless suite (sphere,
 * ellipsoid, Rosenbrock, Rastrigin, Schaffer F7, Lunacek bi-Rastrigin, step ellipsoid, Ackley)
 * plus the classic Branin and Hartmann6. The BBOB ones are shifted to a fixed optimum away from
 * the box centre (TPE's prior kernel is centred mid-range; a centred optimum would flatter it),
 * without BBOB's rotations: a rotation needs a fixed random matrix per problem and adds little
 * for samplers that model no correlations beyond the joint kernels.
 */
import { box, num, pointOf, shiftOf, vector, type Problem } from './problem.ts';

function shifted(
  id: number,
  name: string,
  dims: number,
  fz: (z: number[]) => number,
  range: [number, number] = [-4, 4],
): Problem {
  const xopt = shiftOf(id, dims, range[0], range[1]);
  return {
    name,
    family: 'continuous',
    space: box(dims, -5, 5),
    f: (params) => fz(vector(params, dims).map((x, i) => x - xopt[i])),
    optimum: { params: pointOf(xopt), value: 0 },
  };
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
const conditioned = (i: number, dims: number, base: number) => base ** (dims === 1 ? 0 : i / (dims - 1));

const sphere = (z: number[]) => sum(z.map((v) => v * v));
const ellipsoid = (z: number[]) => sum(z.map((v, i) => conditioned(i, z.length, 1e6) * v * v));
const rastrigin = (z: number[]) => 10 * z.length + sum(z.map((v) => v * v - 10 * Math.cos(2 * Math.PI * v)));

/** Rosenbrock with its optimum (all ones) moved to the shift; log10(1 + f) tames its range. */
const rosenbrock = (z: number[]) => {
  let f = 0;
  for (let i = 0; i + 1 < z.length; i++) {
    const [x, next] = [z[i] + 1, z[i + 1] + 1];
    f += 100 * (next - x * x) ** 2 + (1 - x) ** 2;
  }
  return Math.log10(1 + f);
};

/** Schaffer F7: rings of growing amplitude around the optimum. */
const schaffer = (z: number[]) => {
  let total = 0;
  for (let i = 0; i + 1 < z.length; i++) {
    const s = Math.sqrt(z[i] ** 2 + z[i + 1] ** 2);
    total += Math.sqrt(s) * (1 + Math.sin(50 * s ** 0.2) ** 2);
  }
  return (total / (z.length - 1)) ** 2;
};

/** Step ellipsoid: plateaus (rounded coordinates) on a conditioned ellipsoid. */
const stepEllipsoid = (z: number[]) => {
  const rounded = z.map((v) => (Math.abs(v) > 0.5 ? Math.round(v) : Math.round(10 * v) / 10));
  const body = sum(rounded.map((v, i) => conditioned(i, z.length, 100) * v * v));
  return 0.1 * Math.max(Math.abs(z[0]) / 1e4, body);
};

const ackley = (z: number[]) => {
  const n = z.length;
  const squares = sum(z.map((v) => v * v)) / n;
  const cosines = sum(z.map((v) => Math.cos(2 * Math.PI * v))) / n;
  return -20 * Math.exp(-0.2 * Math.sqrt(squares)) - Math.exp(cosines) + 20 + Math.E;
};

/**
 * Lunacek bi-Rastrigin: a Rastrigin ripple over two funnels; the global one at 2.5 in every
 * coordinate is the narrower, the wider one at μ1 < 0 attracts most starts.
 */
function lunacek(dims: number): Problem {
  const mu0 = 2.5;
  const d = 1;
  const s = 1 - 1 / (2 * Math.sqrt(dims + 20) - 8.2);
  const mu1 = -Math.sqrt((mu0 * mu0 - d) / s);
  return {
    name: `Lunacek bi-Rastrigin ${dims}D`,
    family: 'continuous',
    space: box(dims, -5, 5),
    f(params) {
      const x = vector(params, dims);
      const first = sum(x.map((v) => (v - mu0) ** 2));
      const second = d * dims + s * sum(x.map((v) => (v - mu1) ** 2));
      return Math.min(first, second) + 10 * (dims - sum(x.map((v) => Math.cos(2 * Math.PI * (v - mu0)))));
    },
    optimum: { params: pointOf(new Array(dims).fill(mu0)), value: 0 },
  };
}

const branin: Problem = {
  name: 'Branin',
  family: 'continuous',
  space: [
    { name: 'x1', type: 'float', min: -5, max: 10 },
    { name: 'x2', type: 'float', min: 0, max: 15 },
  ],
  f(params) {
    const [x1, x2] = [num(params, 'x1'), num(params, 'x2')];
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
  optimum: { params: { x1: Math.PI, x2: 2.275 }, value: 5 / (4 * Math.PI) },
};

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((value) => value * 1e-4));

function hartmann6f(x: number[]): number {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2;
    total += HARTMANN_ALPHA[i] * Math.exp(-inner);
  }
  return -total;
}

/** The published minimiser (six digits); its value is computed, the published −3.32237 to 5 digits. */
const HARTMANN_XOPT = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];

const hartmann6: Problem = {
  name: 'Hartmann6',
  family: 'continuous',
  space: box(6, 0, 1),
  f: (params) => hartmann6f(vector(params, 6)),
  optimum: { params: pointOf(HARTMANN_XOPT), value: hartmann6f(HARTMANN_XOPT) },
};

/** The earlier suite's Rosenbrock: unshifted on [−5, 10]^5, optimum at all ones. */
const rosenbrock5: Problem = {
  name: 'Rosenbrock 5D',
  family: 'continuous',
  space: box(5, -5, 10),
  f: (params) => rosenbrock(vector(params, 5).map((x) => x - 1)),
  optimum: { params: pointOf([1, 1, 1, 1, 1]), value: 0 },
};

export const CONTINUOUS: Problem[] = [
  shifted(1, 'Sphere 2D', 2, sphere),
  shifted(2, 'Sphere 10D', 10, sphere),
  shifted(3, 'Ellipsoid 5D', 5, ellipsoid),
  shifted(4, 'Ellipsoid 20D', 20, ellipsoid),
  rosenbrock5,
  shifted(5, 'Rosenbrock 10D', 10, rosenbrock, [-3, 3]),
  shifted(6, 'Rastrigin 2D', 2, rastrigin),
  shifted(7, 'Rastrigin 10D', 10, rastrigin),
  shifted(8, 'Schaffer F7 5D', 5, schaffer),
  lunacek(5),
  shifted(9, 'Step ellipsoid 5D', 5, stepEllipsoid),
  shifted(10, 'Ackley 10D', 10, ackley),
  branin,
  hartmann6,
];
