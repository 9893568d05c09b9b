/**
 * Where a checkpoint keeps the decoder's tensors. A causal LM names them `model.…` and
 * `lm_head.weight`; Gemma 3's multimodal checkpoint nests the decoder beside its vision tower:
 * `language_model.model.…` and `language_model.lm_head.weight` (the published files, written
 * by transformers before 4.52) or `model.language_model.…` with `lm_head.weight` (since). The
 * trainer names tensors and modules as in a causal LM; a layout maps those names to the stored
 * ones, for reading the weights and for naming the adapter's modules as the checkpoint does.
 */
export interface KeyLayout {
  /** What the checkpoint is (for messages). */
  readonly description: string;
  /** A causal-LM tensor or module name → the checkpoint's. */
  stored(name: string): string;
  /** The checkpoint's name → the causal-LM one; undefined for tensors outside the decoder. */
  canonical(stored: string): string | undefined;
}

const CAUSAL_LM: KeyLayout = {
  description: 'causal LM',
  stored: (name) => name,
  canonical: (stored) => stored,
};

function nested(description: string, modelPrefix: string, headPrefix: string): KeyLayout {
  const head = 'lm_head.';
  return {
    description,
    stored: (name) =>
      name.startsWith('model.')
        ? modelPrefix + name.slice('model.'.length)
        : name.startsWith(head)
          ? headPrefix + name
          : name,
    canonical: (stored) => {
      if (stored.startsWith(modelPrefix)) return `model.${stored.slice(modelPrefix.length)}`;
      if (stored.startsWith(headPrefix + head)) return stored.slice(headPrefix.length);
      return undefined;
    },
  };
}

const NESTED_LAYOUTS: [string, KeyLayout][] = [
  [
    'language_model.model.embed_tokens.weight',
    nested('multimodal (language_model.model.…)', 'language_model.model.', 'language_model.'),
  ],
  [
    'model.language_model.embed_tokens.weight',
    nested('multimodal (model.language_model.…)', 'model.language_model.', ''),
  ],
];

/** The layout whose embedding the checkpoint holds; a causal LM's when none does. */
export function detectKeyLayout(names: ReadonlySet<string>): KeyLayout {
  if (names.has('model.embed_tokens.weight')) return CAUSAL_LM;
  for (const [embedding, layout] of NESTED_LAYOUTS) if (names.has(embedding)) return layout;
  return CAUSAL_LM;
}
