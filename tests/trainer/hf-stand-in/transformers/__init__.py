"""A stand-in for the part of Hugging Face transformers (4.x, as the example's Dockerfile pins)
that examples/trainers/peft/train.py uses, so the script can run here, where transformers cannot
be installed. Only tests/trainer/peft-example.test.ts puts it on PYTHONPATH.

It behaves as the real library does for that surface: TrainingArguments takes the real field
names and refuses others (a dataclass); Trainer seeds with args.seed when it is made, trains with
AdamW, gradient clipping and the named schedule, calls callbacks with the real events and
TrainerControl flags (DefaultFlowCallback first, as the real handler does), evaluates on the
eval_strategy and returns eval_loss weighted by batch size; the model is a one-layer Llama-shaped
causal LM (q/k/v/o, gate/up/down, lm_head) whose "pretrained" weights come from its name; the
tokenizer is byte-level with Llama's special tokens and no pad token.
"""
import math
import random
import time
import zlib
from dataclasses import dataclass, field
from typing import Optional, Union

import torch
from torch import nn

__version__ = "4.99.0-lorahpo-stand-in"


def set_seed(seed):
    random.seed(seed)
    torch.manual_seed(seed)


# --- tokenizer -----------------------------------------------------------------------------------

BOS, EOS, VOCAB = 256, 257, 258


class ByteTokenizer:
    """Bytes 0-255, <s> 256 and </s> 257; like Llama's, it adds <s> and has no pad token."""

    padding_side = "right"

    def __init__(self, name):
        self.name_or_path = name
        self.bos_token, self.bos_token_id = "<s>", BOS
        self.eos_token, self.eos_token_id = "</s>", EOS
        self._pad_token = None

    @property
    def pad_token(self):
        return self._pad_token

    @pad_token.setter
    def pad_token(self, token):
        if token is not None and token not in (self.bos_token, self.eos_token):
            raise ValueError(f"the stand-in knows no token {token!r}")
        self._pad_token = token

    @property
    def pad_token_id(self):
        return {None: None, self.bos_token: BOS, self.eos_token: EOS}[self._pad_token]

    def __len__(self):
        return VOCAB

    def encode(self, text, add_special_tokens=True):
        return ([BOS] if add_special_tokens else []) + list(text.encode("utf-8"))

    def __call__(self, text, add_special_tokens=True, **kwargs):
        if kwargs:
            raise TypeError(f"the stand-in tokenizer takes no {sorted(kwargs)}")
        return {"input_ids": self.encode(text, add_special_tokens)}

    def apply_chat_template(self, conversation, tokenize=True, add_generation_prompt=False, **kwargs):
        """<s> then "<|role|>\\n{content}</s>" per turn; the generation prompt is "<|assistant|>\\n".
        Rendered as text and then tokenized, as real templates are, so a prefix of the turns
        renders to a prefix of the whole."""
        text = self.bos_token + "".join(f"<|{m['role']}|>\n{m['content']}{self.eos_token}" for m in conversation)
        if add_generation_prompt:
            text += "<|assistant|>\n"
        if not tokenize:
            return text
        ids = []
        for i, part in enumerate(text.split(self.eos_token)):
            if i:
                ids.append(EOS)
            if part.startswith(self.bos_token):
                ids.append(BOS)
                part = part[len(self.bos_token) :]
            ids += list(part.encode("utf-8"))
        return ids

    def pad(self, features, padding=True, return_tensors="pt", **kwargs):
        if self.pad_token_id is None:
            raise ValueError("Asking to pad but the tokenizer does not have a padding token.")
        width = max(len(f["input_ids"]) for f in features)
        batch = {"input_ids": [], "attention_mask": []}
        for f in features:
            n = len(f["input_ids"])
            batch["input_ids"].append(list(f["input_ids"]) + [self.pad_token_id] * (width - n))
            batch["attention_mask"].append([1] * n + [0] * (width - n))
        for key in features[0]:
            if key not in batch:
                batch[key] = [list(f[key]) for f in features]
        return {k: torch.tensor(v) for k, v in batch.items()}


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **kwargs):
        return ByteTokenizer(name)


class DataCollatorForSeq2Seq:
    """Pads labels with label_pad_token_id (-100) and the rest through tokenizer.pad, as the real one."""

    def __init__(self, tokenizer, model=None, padding=True, max_length=None, pad_to_multiple_of=None, label_pad_token_id=-100, return_tensors="pt"):
        self.tokenizer = tokenizer
        self.label_pad_token_id = label_pad_token_id

    def __call__(self, features):
        features = [dict(f) for f in features]
        if "labels" in features[0]:
            width = max(len(f["labels"]) for f in features)
            for f in features:
                f["labels"] = list(f["labels"]) + [self.label_pad_token_id] * (width - len(f["labels"]))
        return self.tokenizer.pad(features, padding=True, return_tensors="pt")


# --- model ---------------------------------------------------------------------------------------


class CausalLMOutput:
    def __init__(self, loss, logits):
        self.loss = loss
        self.logits = logits


class _Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (nn.Linear(d, d, bias=False) for _ in range(4))

    def forward(self, x, attention_mask):
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        scores = q @ k.transpose(-1, -2) / math.sqrt(x.shape[-1])
        n = x.shape[1]
        allowed = torch.ones(n, n, dtype=torch.bool).tril()[None] & attention_mask[:, None, :].bool()
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        return self.o_proj(scores.softmax(-1) @ v)


class _Mlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(d, hidden, bias=False)
        self.up_proj = nn.Linear(d, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class _Layer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(d)
        self.self_attn = _Attention(d)
        self.post_attention_layernorm = nn.LayerNorm(d)
        self.mlp = _Mlp(d, 2 * d)

    def forward(self, x, attention_mask):
        x = x + self.self_attn(self.input_layernorm(x), attention_mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class _Decoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, d)
        self.layers = nn.ModuleList([_Layer(d)])
        self.norm = nn.LayerNorm(d)


@dataclass
class PretrainedConfig:
    """What a loaded model's .config tells about its architecture (a PreTrainedModel has one)."""

    model_type: str = "llama"
    hidden_size: int = 32


class TinyCausalLM(nn.Module):
    """A one-layer Llama-shaped LM; the loss is the real one: next-token cross-entropy, -100 ignored."""

    def __init__(self, d=32):
        super().__init__()
        self.config = PretrainedConfig(hidden_size=d)
        self.model = _Decoder(d)
        self.lm_head = nn.Linear(d, VOCAB, bias=False)
        self.is_gradient_checkpointing = False

    def forward(self, input_ids, attention_mask=None, labels=None, **kwargs):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        x = self.model.embed_tokens(input_ids)
        for layer in self.model.layers:
            x = layer(x, attention_mask)
        logits = self.lm_head(self.model.norm(x)).float()
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(
                logits[:, :-1].reshape(-1, VOCAB), labels[:, 1:].reshape(-1), ignore_index=-100
            )
        return CausalLMOutput(loss, logits)

    def gradient_checkpointing_enable(self, **kwargs):
        self.is_gradient_checkpointing = True  # a flag only: one layer has nothing to recompute


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(name, torch_dtype=None, **kwargs):
        """The same weights for the same name, whatever the global RNG: a checkpoint, not an init."""
        state = torch.random.get_rng_state()
        torch.manual_seed(zlib.crc32(str(name).encode()))
        try:
            model = TinyCausalLM()
            model.name_or_path = name
        finally:
            torch.random.set_rng_state(state)
        if torch_dtype is not None:
            model = model.to(torch_dtype)
        return model


# --- training arguments --------------------------------------------------------------------------

SCHEDULER_TYPES = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
    "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "warmup_stable_decay",
)  # fmt: skip
STRATEGIES = ("no", "steps", "epoch")


@dataclass
class TrainingArguments:
    """Real 4.x field names and defaults (a subset); an unknown keyword is a TypeError, as there."""

    output_dir: str
    overwrite_output_dir: bool = False
    do_train: bool = False
    do_eval: bool = False
    eval_strategy: str = "no"
    evaluation_strategy: Optional[str] = None  # deprecated in 4.x for eval_strategy
    per_device_train_batch_size: int = 8
    per_device_eval_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    eval_delay: Optional[float] = 0
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    num_train_epochs: float = 3.0
    max_steps: int = -1
    lr_scheduler_type: str = "linear"
    warmup_ratio: float = 0.0
    warmup_steps: int = 0
    logging_strategy: str = "steps"
    logging_steps: float = 500
    save_strategy: str = "steps"
    save_steps: float = 500
    seed: int = 42
    data_seed: Optional[int] = None
    bf16: bool = False
    fp16: bool = False
    eval_steps: Optional[float] = None
    dataloader_drop_last: bool = False
    report_to: Union[None, str, list] = None
    gradient_checkpointing: bool = False
    load_best_model_at_end: bool = False
    metric_for_best_model: Optional[str] = None
    optim: str = "adamw_torch"
    use_cpu: bool = False
    label_names: Optional[list] = None
    remove_unused_columns: bool = True
    disable_tqdm: Optional[bool] = None
    logging_dir: Optional[str] = None
    run_name: Optional[str] = None

    def __post_init__(self):
        if self.evaluation_strategy is not None:
            self.eval_strategy = self.evaluation_strategy
        for name in ("eval_strategy", "save_strategy", "logging_strategy"):
            if getattr(self, name) not in STRATEGIES:
                raise ValueError(f"{getattr(self, name)!r} is not a valid IntervalStrategy")
        if self.lr_scheduler_type not in SCHEDULER_TYPES:
            raise ValueError(f"{self.lr_scheduler_type!r} is not a valid SchedulerType")
        if self.eval_strategy == "steps" and not self.eval_steps:
            if self.logging_steps > 0:
                self.eval_steps = self.logging_steps
            else:
                raise ValueError(f"evaluation strategy {self.eval_strategy} requires a non-zero eval_steps or logging_steps")
        if self.optim != "adamw_torch":
            raise NotImplementedError(f"the stand-in trains with adamw_torch only, not {self.optim}")

    def get_warmup_steps(self, num_training_steps):
        return self.warmup_steps if self.warmup_steps > 0 else math.ceil(num_training_steps * self.warmup_ratio)


def get_scheduler(name, optimizer, num_warmup_steps, num_training_steps):
    def factor(step):
        if name == "constant":
            return 1.0
        if step < num_warmup_steps:
            return step / max(1, num_warmup_steps)
        if name == "constant_with_warmup":
            return 1.0
        progress = (step - num_warmup_steps) / max(1, num_training_steps - num_warmup_steps)
        if name == "linear":
            return max(0.0, 1.0 - progress)
        if name == "cosine":
            return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
        raise NotImplementedError(f"the stand-in has no {name} schedule")

    factor(num_warmup_steps)  # an unknown schedule fails before training
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


# --- trainer -------------------------------------------------------------------------------------


@dataclass
class TrainerState:
    epoch: Optional[float] = None
    global_step: int = 0
    max_steps: int = 0
    num_train_epochs: int = 0
    log_history: list = field(default_factory=list)


@dataclass
class TrainerControl:
    should_training_stop: bool = False
    should_epoch_stop: bool = False
    should_save: bool = False
    should_evaluate: bool = False
    should_log: bool = False


class TrainerCallback:
    def on_init_end(self, args, state, control, **kwargs):
        pass

    def on_train_begin(self, args, state, control, **kwargs):
        pass

    def on_train_end(self, args, state, control, **kwargs):
        pass

    def on_epoch_begin(self, args, state, control, **kwargs):
        pass

    def on_epoch_end(self, args, state, control, **kwargs):
        pass

    def on_step_begin(self, args, state, control, **kwargs):
        pass

    def on_substep_end(self, args, state, control, **kwargs):
        pass

    def on_step_end(self, args, state, control, **kwargs):
        pass

    def on_evaluate(self, args, state, control, **kwargs):
        pass

    def on_log(self, args, state, control, **kwargs):
        pass


class DefaultFlowCallback(TrainerCallback):
    """The real one's evaluation and stopping decisions (logging and saving left out)."""

    def on_step_end(self, args, state, control, **kwargs):
        if args.eval_strategy == "steps" and state.global_step % int(args.eval_steps) == 0 and (args.eval_delay or 0) <= state.global_step:
            control.should_evaluate = True
        if state.global_step >= state.max_steps:
            control.should_training_stop = True
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if args.eval_strategy == "epoch" and (args.eval_delay or 0) <= state.epoch:
            control.should_evaluate = True
        return control


class Trainer:
    def __init__(self, model=None, args=None, data_collator=None, train_dataset=None, eval_dataset=None, tokenizer=None, processing_class=None, model_init=None, compute_metrics=None, callbacks=None, optimizers=(None, None), preprocess_logits_for_metrics=None):  # fmt: skip
        self.args = args if args is not None else TrainingArguments(output_dir="tmp_trainer")
        set_seed(self.args.seed)  # as the real Trainer: here, after the model was made
        self.model = model
        self.data_collator = data_collator
        self.train_dataset = train_dataset
        self.eval_dataset = eval_dataset
        self.callbacks = [DefaultFlowCallback()] + list(callbacks or [])
        self.state = TrainerState()
        self.control = TrainerControl()
        if self.args.gradient_checkpointing and hasattr(model, "gradient_checkpointing_enable"):
            model.gradient_checkpointing_enable()
        self._event("on_init_end")

    def _event(self, name, **kwargs):
        for callback in self.callbacks:
            result = getattr(callback, name)(self.args, self.state, self.control, model=self.model, **kwargs)
            if result is not None:
                self.control = result
        return self.control

    def _loader(self, dataset, batch_size, shuffle):
        generator = torch.Generator().manual_seed(self.args.data_seed if self.args.data_seed is not None else self.args.seed)
        return torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, shuffle=shuffle, generator=generator if shuffle else None,
            collate_fn=self.data_collator, drop_last=self.args.dataloader_drop_last,
        )  # fmt: skip

    def train(self, resume_from_checkpoint=None, **kwargs):
        args = self.args
        if not self.train_dataset:
            raise ValueError("Trainer: training requires a train_dataset.")
        loader = self._loader(self.train_dataset, args.per_device_train_batch_size, shuffle=True)
        batches = len(loader)
        updates_per_epoch = max(batches // args.gradient_accumulation_steps + int(batches % args.gradient_accumulation_steps > 0), 1)
        if args.max_steps > 0:
            max_steps = args.max_steps
            epochs = math.ceil(max_steps / updates_per_epoch)
        else:
            max_steps = math.ceil(args.num_train_epochs * updates_per_epoch)
            epochs = math.ceil(args.num_train_epochs)
        self.state = TrainerState(epoch=0.0, max_steps=max_steps, num_train_epochs=epochs)
        decay = [p for n, p in self.model.named_parameters() if p.requires_grad and not n.endswith("bias") and "norm" not in n]
        no_decay = [p for n, p in self.model.named_parameters() if p.requires_grad and (n.endswith("bias") or "norm" in n)]
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=args.learning_rate, betas=(args.adam_beta1, args.adam_beta2), eps=args.adam_epsilon,
        )  # fmt: skip
        scheduler = get_scheduler(args.lr_scheduler_type, optimizer, args.get_warmup_steps(max_steps), max_steps)
        self.control.should_training_stop = False
        self._event("on_train_begin")
        self.model.train()
        for epoch in range(epochs):
            self.control.should_epoch_stop = False
            self._event("on_epoch_begin")
            for step, inputs in enumerate(loader):
                if step % args.gradient_accumulation_steps == 0:
                    self.control.should_evaluate = False
                    self._event("on_step_begin")
                loss = self.model(**inputs).loss / args.gradient_accumulation_steps
                loss.backward()
                if (step + 1) % args.gradient_accumulation_steps == 0 or step + 1 == batches:
                    if args.max_grad_norm:
                        torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], args.max_grad_norm)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad()
                    self.state.global_step += 1
                    self.state.epoch = epoch + (step + 1) / batches
                    self._event("on_step_end")
                    if self.control.should_evaluate:
                        self.evaluate()
                else:
                    self._event("on_substep_end")
                if self.control.should_epoch_stop or self.control.should_training_stop:
                    break
            self.control.should_evaluate = False
            self._event("on_epoch_end")
            if self.control.should_evaluate:
                self.evaluate()
            if self.control.should_training_stop:
                break
        self._event("on_train_end")
        return self.state

    def evaluate(self, eval_dataset=None, metric_key_prefix="eval", **kwargs):
        start = time.time()
        dataset = eval_dataset if eval_dataset is not None else self.eval_dataset
        loader = self._loader(dataset, self.args.per_device_eval_batch_size, shuffle=False)
        self.model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for inputs in loader:
                n = inputs["input_ids"].shape[0]
                total += float(self.model(**inputs).loss) * n  # the real loop repeats each batch's loss per sample
                count += n
        self.model.train()
        runtime = time.time() - start
        metrics = {
            f"{metric_key_prefix}_loss": total / count,
            f"{metric_key_prefix}_runtime": round(runtime, 4),
            f"{metric_key_prefix}_samples_per_second": round(count / max(runtime, 1e-9), 3),
            f"{metric_key_prefix}_steps_per_second": round(len(loader) / max(runtime, 1e-9), 3),
        }
        metrics["epoch"] = self.state.epoch  # Trainer.log adds the epoch to the same dict
        self.state.log_history.append({**metrics, "step": self.state.global_step})
        self._event("on_log", logs=metrics)
        self._event("on_evaluate", metrics=metrics)
        return metrics


__all__ = [
    "AutoModelForCausalLM", "AutoTokenizer", "DataCollatorForSeq2Seq", "Trainer", "TrainerCallback",
    "TrainerControl", "TrainerState", "TrainingArguments", "set_seed",
]  # fmt: skip
