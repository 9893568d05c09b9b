/**
 * A study's trials as the reconcile sees them: from the cache, with our own writes laid over,
 * parsed by the schema. Parsing is kept per object read (the caches replace an object when it
 * changes), so an unchanged trial is not parsed again on every reconcile.
 */
import { LoraTrialSchema, type LoraTrial } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { StudyContext } from './reconcile-context.ts';

export class TrialReader {
  readonly #parsed = new WeakMap<object, LoraTrial | undefined>();

  /** The study's trials in number order; one that does not match the schema is left out. */
  read(context: StudyContext): LoraTrial[] {
    return this.#readStudy(context, nameOf(context.study));
  }

  /** The trials of the studies spec.warmStart.fromStudies names, in the study's namespace. */
  readEarlier(context: StudyContext): LoraTrial[] {
    return (context.study.spec.warmStart?.fromStudies ?? []).flatMap((name) => this.#readStudy(context, name));
  }

  #readStudy(context: StudyContext, study: string): LoraTrial[] {
    const { view, writes } = context.tools;
    const trials: LoraTrial[] = [];
    for (const cached of view.trials(namespaceOf(context.study), study)) {
      const trial = this.#parse(context, writes.trial(cached as LoraTrial));
      if (trial) trials.push(trial);
    }
    return trials.sort((a, b) => a.spec.number - b.spec.number);
  }

  #parse(context: StudyContext, raw: LoraTrial): LoraTrial | undefined {
    if (this.#parsed.has(raw)) return this.#parsed.get(raw);
    const parsed = LoraTrialSchema.safeParse(raw);
    if (!parsed.success) {
      const fields = { trial: raw.metadata?.name, err: parsed.error.message };
      context.log.warn(fields, 'ignoring a LoraTrial that does not match the schema');
    }
    const trial = parsed.success ? { ...parsed.data, metadata: raw.metadata } : undefined;
    this.#parsed.set(raw, trial);
    return trial;
  }
}
