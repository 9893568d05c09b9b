/**
 * The pruner options a spec leaves out, per pruner: their one home. The pruners merge them and
 * the LoraStudy schema's descriptions (and so the CRD) read them. They live here, below the
 * pruners, because the schema may not import a pruner.
 */

/** Median and percentile (Optuna's defaults); the median pruner is the percentile one at 50. */
export function defaultPercentileOptions() {
  return { percentile: 50, startupTrials: 5, warmupSteps: 0, intervalSteps: 1, minTrials: 1 };
}

/** ASHA (Optuna's defaults); `minResource` has none: it is estimated from the first complete trial. */
export function defaultSuccessiveHalvingOptions() {
  return { reductionFactor: 4, minEarlyStoppingRate: 0, bootstrapCount: 0 };
}

/** Hyperband (Optuna's defaults); `maxResource` has none: the first complete trial's last step + 1. */
export function defaultHyperbandOptions() {
  return { minResource: 1, reductionFactor: 3, bootstrapCount: 0 };
}

/** Threshold: no bound unless given; warm-up and interval as the percentile pruner's. */
export function defaultThresholdOptions() {
  const { warmupSteps, intervalSteps } = defaultPercentileOptions();
  return { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, warmupSteps, intervalSteps };
}

/** Patient: ask the wrapped pruner at once, and any improvement counts. */
export function defaultPatientOptions() {
  return { patience: 0, minDelta: 0 };
}
