import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { parseJsonl } from '../../trainer/src/data/dataset.ts';
import { checkTemplate, encodeRecord, packSequences } from '../../trainer/src/data/examples.ts';
import { loadTokenizer } from '../../trainer/src/data/tokenizer.ts';
import { TINY_MODEL } from './fixture.ts';

const TEMPLATE = '### Question: {question}\n ### Answer: {answer}';
const tokenizer = loadTokenizer(join(TINY_MODEL, 'tokenizer.json'), join(TINY_MODEL, 'tokenizer_config.json'), (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
});
const strict = { skipBadLines: false, warn: () => {} };

test('jsonl › each malformed line is an error naming file and line', () => {
  const cases: [string, RegExp][] = [
    ['{"question":"a","answer":"b"}\n{oops\n', /d\.jsonl:2: not valid JSON/],
    ['{"question":"a","answer":"b"}\n\n[1]\n', /d\.jsonl:3: not a JSON object/],
    ['{"question":"a","answer":""}\n{"text":"x"}\n', /d\.jsonl:1: "answer" must be a non-empty string/],
    ['{"text":"x"}\n{"prompt":"x"}\n', /d\.jsonl:2: "completion" must be a non-empty string/],
    ['{"text":"x"}\n{"other":"x"}\n', /d\.jsonl:2: needs "question"\/"answer", "instruction"\/"output", "prompt"/],
    ['{"text":"x"}\n{"instruction":"x"}\n', /d\.jsonl:2: "output" must be a non-empty string/],
    ['{"text":"x"}\n{"messages":[{"role":"user"}]}\n', /d\.jsonl:2: messages\[0\] needs a "role" string/],
    ['{"text":"x"}\n{"messages":[{"role":"user","content":"hi"}]}\n', /d\.jsonl:2: "messages" has no assistant/],
    ['{"text":"only one"}\n', /d\.jsonl: 1 usable line\(s\); at least 2/],
  ];
  for (const [content, message] of cases) assert.throws(() => parseJsonl(content, 'd.jsonl', strict), message);
});

test('jsonl › --skip-bad-lines leaves bad lines out with a warning and keeps the rest', () => {
  const warnings: string[] = [];
  const records = parseJsonl('{"text":"a"}\nnot json\n{"question":"q","answer":"a"}\n', 'd.jsonl', {
    skipBadLines: true,
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(
    records.map((r) => r.line),
    [1, 3],
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /skipping d\.jsonl:2: not valid JSON/);
});

test('examples › answer-only loss masks the prompt; the answer and EOS are targets', () => {
  const options = { promptTemplate: TEMPLATE, lossOnAnswerOnly: true, maxSeqLength: 512, eosId: 2 };
  const record = { kind: 'qa' as const, line: 1, question: 'What is Helm?', answer: 'Helm is a package manager.' };
  const seq = encodeRecord(record, tokenizer, options);
  const prompt = tokenizer.encode('### Question: What is Helm?\n ### Answer:', true);
  const answer = tokenizer.encode(' Helm is a package manager.', false);
  assert.deepEqual(seq.ids, [...prompt, ...answer, 2]);
  assert.equal(seq.ids[0], 1); // the tokenizer's BOS
  assert.deepEqual(seq.lossMask, [...prompt.map(() => 0), ...answer.map(() => 1), 1]);
  const everything = encodeRecord(record, tokenizer, { ...options, lossOnAnswerOnly: false });
  assert.deepEqual(everything.lossMask, [0, ...everything.ids.slice(1).map(() => 1)]);
});

test('examples › truncation to maxSeqLength, packing, and the template must hold {answer}', () => {
  const seq = encodeRecord({ kind: 'text', line: 1, text: 'Kubernetes schedules containers onto nodes.' }, tokenizer, {
    promptTemplate: TEMPLATE,
    lossOnAnswerOnly: true,
    maxSeqLength: 4,
    eosId: 2,
  });
  assert.equal(seq.ids.length, 4);
  assert.notEqual(seq.ids[3], 2); // EOS cut off with the rest
  const packed = packSequences(
    [
      { ids: [1, 2, 3], lossMask: [0, 1, 1] },
      { ids: [4, 5, 6, 7], lossMask: [0, 1, 1, 1] },
    ],
    3,
  );
  assert.deepEqual(
    packed.map((s) => s.ids),
    [[1, 2, 3], [4, 5, 6], [7]],
  );
  assert.throws(() => checkTemplate('Q: {question}'), /training\.promptTemplate must contain \{answer\}/);
});

test('batches › right padding with zero weights; targets are the next tokens', () => {
  const batch = makeBatch(
    [
      { ids: [1, 10, 11, 12], lossMask: [0, 0, 1, 1] },
      { ids: [1, 20], lossMask: [0, 1] },
    ],
    0,
  );
  assert.equal(batch.seqLen, 4);
  assert.deepEqual([...batch.ids], [1, 10, 11, 12, 1, 20, 0, 0]);
  assert.deepEqual([...batch.targets], [0, 11, 12, 0, 20, 0, 0, 0]);
  assert.deepEqual([...batch.weights], [0, 1, 1, 0, 1, 0, 0, 0]);
  assert.equal(batch.tokens, 3);
});

const CHATML =
  "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}" +
  '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';
const chatTokenizer = { ...tokenizer, chatTemplate: { template: CHATML, bosToken: '<s>', eosToken: '</s>' } };
const OPTIONS = { promptTemplate: TEMPLATE, lossOnAnswerOnly: true, maxSeqLength: 512, eosId: 2, file: 'chat.jsonl' };

test('jsonl › Alpaca lines are questions (instruction, then input) with the output as answer', () => {
  const records = parseJsonl(
    '{"instruction":"Name the tool.","input":"It packages charts.","output":"Helm"}\n{"instruction":"Say hi.","input":"","output":"hi"}\n',
    'a.jsonl',
    strict,
  );
  assert.deepEqual(records, [
    { kind: 'qa', line: 1, question: 'Name the tool.\n\nIt packages charts.', answer: 'Helm' },
    { kind: 'qa', line: 2, question: 'Say hi.', answer: 'hi' },
  ]);
});

test('examples › prompt/completion lines learn the completion and EOS only', () => {
  const seq = encodeRecord(
    { kind: 'completion', line: 1, prompt: 'Helm is', completion: ' a package manager.' },
    tokenizer,
    OPTIONS,
  );
  const prompt = tokenizer.encode('Helm is', true);
  const completion = tokenizer.encode(' a package manager.', false);
  assert.deepEqual(seq.ids, [...prompt, ...completion, 2]);
  assert.deepEqual(seq.lossMask, [...prompt.map(() => 0), ...completion.map(() => 1), 1]);
});

test('examples › chat messages go through the chat template; only assistant turns are targets', () => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is Helm?' },
    { role: 'assistant', content: 'A package manager.' },
    { role: 'user', content: 'And etcd?' },
    { role: 'assistant', content: 'A key-value store.' },
  ];
  const seq = encodeRecord({ kind: 'chat', line: 4, messages }, chatTokenizer, OPTIONS);
  const enc = (t: string) => tokenizer.encode(t, false);
  const parts: [string, number][] = [
    [
      '<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is Helm?<|im_end|>\n<|im_start|>assistant\n',
      0,
    ],
    ['A package manager.<|im_end|>\n', 1],
    ['<|im_start|>user\nAnd etcd?<|im_end|>\n<|im_start|>assistant\n', 0],
    ['A key-value store.<|im_end|>\n', 1],
  ];
  assert.deepEqual(
    seq.ids,
    parts.flatMap(([t]) => enc(t)),
  );
  assert.equal(seq.ids[0], 1); // the template's {{ bos_token }}, tokenised as the special token
  assert.deepEqual(
    seq.lossMask,
    parts.flatMap(([t, w]) => enc(t).map(() => w)),
  );
  const all = encodeRecord({ kind: 'chat', line: 4, messages }, chatTokenizer, { ...OPTIONS, lossOnAnswerOnly: false });
  assert.deepEqual(all.lossMask, [0, ...all.ids.slice(1).map(() => 1)]);
});

test('examples › chat without a template, or with a broken one, is an error naming file and line', () => {
  const record = { kind: 'chat' as const, line: 7, messages: [{ role: 'assistant', content: 'x' }] };
  assert.throws(
    () => encodeRecord(record, tokenizer, OPTIONS),
    /chat\.jsonl:7: chat "messages" need the model's chat template/,
  );
  const broken = { ...tokenizer, chatTemplate: { template: "{{ raise_exception('no system role') }}" } };
  assert.throws(() => encodeRecord(record, broken, OPTIONS), /chat\.jsonl:7: the chat template fails/);
});

test('tokenizer › the chat template and its special tokens come from tokenizer_config.json', () => {
  const config = {
    chat_template: [{ name: 'default', template: CHATML }],
    bos_token: { content: '<s>' },
    eos_token: '</s>',
  };
  const t = loadTokenizer('tokenizer.json', 'tokenizer_config.json', (p) =>
    p === 'tokenizer.json' ? readFileSync(join(TINY_MODEL, 'tokenizer.json'), 'utf8') : JSON.stringify(config),
  );
  assert.deepEqual(t.chatTemplate, { template: CHATML, bosToken: '<s>', eosToken: '</s>' });
});
