"""A lorahpo trial with Hugging Face Trainer + PEFT LoRA (the GPU path; docs/trainer.md).

Reads the contract (LORAHPO_PARAMS, LORAHPO_TRAINING, LORAHPO_SEED, LORAHPO_OUTPUT_DIR,
LORAHPO_RESULT_FILE), trains a LoRA adapter on spec.training.model with spec.training.dataset
(JSONL: question/answer, prompt/completion, chat messages through the model's chat template, or
text), prints a metric line per evaluation and the result line last. Loss on answers, completions
and assistant turns only. Exit 0 on success or SIGTERM, 2 on a bad contract input or dataset.
"""
import json
import sys

import lorahpo_contract as contract_module


def encode(record, tokenizer, template, max_len):
    """(input_ids, labels) with -100 on the tokens that are not learned."""
    if "messages" in record:
        # an assistant turn is what rendering it adds to the rendering of the turns before it
        # with the generation prompt, so its end-of-turn token is learned too
        messages = record["messages"]
        ids = tokenizer.apply_chat_template(messages, tokenize=True)
        labels = [-100] * len(ids)
        for i, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            start = len(tokenizer.apply_chat_template(messages[:i], tokenize=True, add_generation_prompt=True)) if i else 0
            end = len(tokenizer.apply_chat_template(messages[: i + 1], tokenize=True))
            labels[start:end] = ids[start:end]
        return ids[:max_len], labels[:max_len]
    if "text" in record:
        ids = tokenizer(record["text"])["input_ids"] + [tokenizer.eos_token_id]
        return ids[:max_len], ids[:max_len]
    if "question" in record:
        if "{answer}" not in template:
            raise ValueError(f"promptTemplate {template!r} has no {{answer}}")
        head, tail = template.split("{answer}", 1)
        prompt = head.replace("{question}", record["question"]).rstrip()
        completion = head[len(head.rstrip()):] + record["answer"] + tail
    elif "prompt" in record and "completion" in record:
        prompt, completion = record["prompt"], record["completion"]
    else:
        raise ValueError("has none of messages, text, question/answer, prompt/completion")
    p = tokenizer(prompt)["input_ids"]
    a = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return (p + a)[:max_len], ([-100] * len(p) + a)[:max_len]


def read_examples(path, tokenizer, template, max_len):
    """The dataset's records with a learned token past the first; a bad line is a ValueError naming it."""
    examples = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ids, labels = encode(json.loads(line), tokenizer, template, max_len)
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"line {n}: {error}")
            if any(l != -100 for l in labels[1:]):
                examples.append({"input_ids": ids, "labels": labels})
    if len(examples) < 2:
        raise ValueError(f"{len(examples)} usable record(s): one to evaluate and one to train at least")
    return examples


def main():
    try:
        c = contract_module.read_contract()
        model_type = contract_module.model_type_of(c.training.get("model"))
        lora_kwargs = contract_module.lora_config_kwargs(c, model_type)
        args_kwargs = contract_module.training_arguments_kwargs(c, "/tmp/lorahpo-hf")
        max_len = contract_module.typed_setting(c, "maxSeqLength", 512, int)
        eval_fraction = contract_module.typed_setting(c, "evalFraction", 0.1, float)
        split_seed = contract_module.typed_setting(c, "splitSeed", 0, int)
    except contract_module.ContractError as error:
        sys.stderr.write(f"lorahpo: {error}\n")
        return 2
    for key in ("model", "dataset"):
        if not c.training.get(key):
            sys.stderr.write(f"lorahpo: LORAHPO_TRAINING.{key} is required\n")
            return 2
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainingArguments, set_seed

    try:  # a bad scheduler name is refused here, before the model is loaded
        args = TrainingArguments(**args_kwargs)
    except ValueError as error:
        sys.stderr.write(f"lorahpo: LORAHPO_PARAMS/LORAHPO_TRAINING: {error}\n")
        return 2

    callback = contract_module.LorahpoCallback(c)
    callback.install_sigterm()
    tokenizer = AutoTokenizer.from_pretrained(c.training["model"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if c.setting("bf16", False) else torch.float32
    model = AutoModelForCausalLM.from_pretrained(c.training["model"], torch_dtype=dtype)
    if model_type is None:  # a Hub id: its config.json came with the model
        try:
            lora_kwargs = contract_module.lora_config_kwargs(c, model.config.model_type)
        except contract_module.ContractError as error:
            sys.stderr.write(f"lorahpo: {error}\n")
            return 2
    # Trainer seeds only when it is made, after this: without it the adapter's random init (A)
    # differs on every run and LORAHPO_SEED cannot repeat a trial
    set_seed(c.seed)
    model = get_peft_model(model, LoraConfig(**lora_kwargs))
    callback.save_adapter = lambda out: (model.save_pretrained(out), out)[1]

    template = c.setting("promptTemplate", "### Question: {question}\n ### Answer: {answer}")
    try:
        examples = read_examples(c.training["dataset"], tokenizer, template, max_len)
    except (OSError, ValueError) as error:
        sys.stderr.write(f"lorahpo: dataset {c.training['dataset']}: {error}\n")
        return 2
    generator = torch.Generator().manual_seed(split_seed)
    order = torch.randperm(len(examples), generator=generator).tolist()
    n_eval = min(len(examples) - 1, max(1, round(len(examples) * eval_fraction)))
    eval_set = [examples[i] for i in order[:n_eval]]
    train_set = [examples[i] for i in order[n_eval:]]

    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True),
        callbacks=[callback],
    )
    trainer.train()
    if not callback.sigterm and not callback.early_stopped and callback.last_eval_step != trainer.state.global_step:
        trainer.evaluate()  # the last step is always evaluated, as the built-in trainer does
    return callback.finish()


if __name__ == "__main__":
    sys.exit(main())
