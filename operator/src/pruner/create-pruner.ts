/** The pruner a LoraStudy's `spec.pruner` asks for. */
import type { InnerPrunerSpec, PrunerSpec } from '../api/study.ts';
import type { Pruner } from './pruner.ts';
import { defaultPatientOptions, defaultPercentileOptions } from '../api/pruner-defaults.ts';
import { NopPruner } from './nop-pruner.ts';
import { MedianPruner, PercentilePruner } from './percentile-pruner.ts';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.ts';
import { HyperbandPruner } from './hyperband-pruner.ts';
import { ThresholdPruner } from './threshold-pruner.ts';
import { PatientPruner } from './patient-pruner.ts';

export function createPruner(spec: PrunerSpec | InnerPrunerSpec): Pruner {
  switch (spec.algorithm) {
    case 'none':
      return new NopPruner();
    case 'median':
      return new MedianPruner(spec);
    case 'percentile':
      return new PercentilePruner({ ...spec, percentile: spec.percentile ?? defaultPercentileOptions().percentile });
    case 'asha':
      return new SuccessiveHalvingPruner(spec);
    case 'hyperband':
      return new HyperbandPruner(spec);
    case 'threshold':
      return new ThresholdPruner(spec);
    case 'patient': {
      const wrapped = 'wrapped' in spec && spec.wrapped ? createPruner(spec.wrapped) : undefined;
      return new PatientPruner({
        patience: spec.patience ?? defaultPatientOptions().patience,
        minDelta: spec.minDelta,
        wrapped,
      });
    }
  }
}
