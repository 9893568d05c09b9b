"""The lorahpo trainer contract for Hugging Face Trainer + PEFT (docs/trainer-contract.md).

Pure Python at import time: transformers and peft are only imported by train.py, so this module
(the mapping and the callback) can be tested without them.

  read_contract(env)          LORAHPO_* variables -> Contract
  lora_config_kwargs(c, type) -> keyword arguments of peft.LoraConfig (type: config.json's model_type)
  training_arguments_kwargs(c)-> keyword arguments of transformers.TrainingArguments
  LorahpoCallback(c)          a TrainerCallback: one metric line per evaluation, early stopping on
                              the study's objective, a clean stop on SIGTERM, the result line last
"""
import json
import math
import os
import signal
import sys

try:  # a real TrainerCallback when transformers is there; the protocol is duck-typed either way
    from transformers import TrainerCallback as _CallbackBase
except ImportError:  # pragma: no cover - depends on the image
    _CallbackBase = object

DEFAULT_RESULT_FILE = "/dev/termination-log"

# Each decoder layer's linear layers, by transformers' module names: Phi-3 fuses q/k/v into
# qkv_proj and gate/up into gate_up_proj. The presets resolve against them as the built-in
# trainer's do (trainer/src/lora/targets.ts); all-linear stays PEFT's own preset (every linear
# layer but the output head), which is the same set.
SEPARATE_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FUSED_MODULES = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]
FUSED_MODEL_TYPES = {"phi3"}
ATTENTION_MODULES = {"q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj"}
TARGET_PRESETS = ("attention", "mlp", "all-linear")


class ContractError(Exception):
    """A malformed LORAHPO_* variable: the trainer exits 2 naming it."""


class Contract:
    def __init__(self, params, training, trial, seed, result_file, output_dir):
        self.params = params
        self.training = training
        self.trial = trial
        self.seed = seed
        self.result_file = result_file
        self.output_dir = output_dir

    def setting(self, name, default=None):
        """A sampled param wins over the study's fixed training setting of the same name."""
        if name in self.params:
            return self.params[name]
        return self.training.get(name, default)


def _json_object(env, name, default):
    raw = env.get(name, default)
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ContractError(f"{name} is not valid JSON: {error}")
    if not isinstance(value, dict):
        raise ContractError(f"{name} must be a JSON object")
    return value


def read_contract(env=None):
    env = os.environ if env is None else env
    params = _json_object(env, "LORAHPO_PARAMS", "{}")
    training = _json_object(env, "LORAHPO_TRAINING", "{}")
    try:
        seed = int(env.get("LORAHPO_SEED", "0"))
    except ValueError:
        raise ContractError("LORAHPO_SEED must be an integer")
    return Contract(
        params=params,
        training=training,
        trial=env.get("LORAHPO_TRIAL", "local"),
        seed=seed,
        result_file=env.get("LORAHPO_RESULT_FILE", DEFAULT_RESULT_FILE),
        output_dir=env.get("LORAHPO_OUTPUT_DIR"),
    )


def typed_setting(c, name, default, kind):
    """A setting as int or float; a value that is not one is a ContractError naming it."""
    value = c.setting(name, default)
    if not isinstance(value, bool) and isinstance(value, (int, float, str)):
        try:
            return kind(value)
        except ValueError:
            pass
    raise ContractError(f"{name} must be a number, not {json.dumps(value)}")


def model_type_of(model):
    """config.json's model_type of a local model directory; None for a Hub id (or no model)."""
    path = os.path.join(model, "config.json") if model else None
    if path is None or not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f).get("model_type")


def target_modules(targets, model_type):
    """A preset or a list as PEFT's target_modules; a listed module the model lacks is refused,
    as the built-in trainer does (PEFT itself only refuses a list of which none matches)."""
    modules = FUSED_MODULES if model_type in FUSED_MODEL_TYPES else SEPARATE_MODULES
    if targets == "all-linear":
        return "all-linear"
    if targets == "attention":
        return [m for m in modules if m in ATTENTION_MODULES]
    if targets == "mlp":
        return [m for m in modules if m not in ATTENTION_MODULES]
    if isinstance(targets, str) or not isinstance(targets, list) or not targets:
        raise ContractError(f"targetModules {targets!r} is not a list or one of {list(TARGET_PRESETS)}")
    missing = [m for m in targets if m not in modules]
    if model_type is not None and missing:
        raise ContractError(
            f"targetModules {', '.join(missing)}: a {model_type} model has no such linear layer"
            f" (it has {', '.join(modules)})"
        )
    return list(targets)


def lora_config_kwargs(c, model_type=None):
    """model_type: config.json's; None (a Hub id not yet loaded) resolves as Llama-style."""
    targets = target_modules(c.setting("targetModules", "attention"), model_type)
    return {
        "r": typed_setting(c, "loraR", 8, int),
        "lora_alpha": typed_setting(c, "loraAlpha", 16, float),
        "lora_dropout": typed_setting(c, "loraDropout", 0.05, float),
        "target_modules": targets,
        "use_rslora": bool(c.setting("useRslora", False)),
        "use_dora": bool(c.setting("useDora", False)),
        "bias": "none",
        "task_type": "CAUSAL_LM",
    }


def training_arguments_kwargs(c, output_dir):
    eval_steps = c.setting("evalSteps")
    kwargs = {
        "output_dir": output_dir,
        "learning_rate": typed_setting(c, "learningRate", 2e-4, float),
        "weight_decay": typed_setting(c, "weightDecay", 0.0, float),
        "max_grad_norm": typed_setting(c, "maxGradNorm", 1.0, float),
        **scheduler_kwargs(c),
        "warmup_ratio": typed_setting(c, "warmupRatio", 0.03, float),
        "adam_beta1": typed_setting(c, "adamBeta1", 0.9, float),
        "adam_beta2": typed_setting(c, "adamBeta2", 0.999, float),
        "adam_epsilon": typed_setting(c, "adamEpsilon", 1e-8, float),
        "num_train_epochs": typed_setting(c, "epochs", 3, float),
        "max_steps": typed_setting(c, "maxSteps", -1, int),
        "per_device_train_batch_size": typed_setting(c, "batchSize", 8, int),
        "per_device_eval_batch_size": typed_setting(c, "batchSize", 8, int),
        "gradient_accumulation_steps": typed_setting(c, "gradientAccumulationSteps", 1, int),
        # every evalSteps or every epoch, never both: each evaluation counts once for patience
        "eval_strategy": "steps" if eval_steps else "epoch",
        "save_strategy": "no",  # the callback keeps the best adapter itself
        "logging_strategy": "no",
        "report_to": [],
        "seed": c.seed,
        "bf16": bool(c.setting("bf16", False)),
        "gradient_checkpointing": bool(c.setting("gradientCheckpointing", False)),
    }
    if eval_steps:
        kwargs["eval_steps"] = typed_setting(c, "evalSteps", None, int)
    if c.setting("warmupSteps") is not None:  # wins over warmup_ratio in transformers too
        kwargs["warmup_steps"] = typed_setting(c, "warmupSteps", None, int)
    return kwargs


def scheduler_kwargs(c):
    """scheduler and minLrRatio as transformers' schedules: cosine to a floor is its
    cosine_with_min_lr, linear to a floor its polynomial decay of power 1 ending at the floor (the
    built-in trainer's factor * (1 - ratio) + ratio, trainer/src/optim/schedule.ts)."""
    scheduler = c.setting("scheduler", "cosine")
    ratio = typed_setting(c, "minLrRatio", 0, float)
    if ratio == 0 or scheduler not in ("cosine", "linear"):
        return {"lr_scheduler_type": scheduler}
    if ratio >= 1:  # no decay at all; polynomial refuses an end not below the peak
        return {"lr_scheduler_type": "constant_with_warmup"}
    if scheduler == "cosine":
        return {"lr_scheduler_type": "cosine_with_min_lr", "lr_scheduler_kwargs": {"min_lr_rate": ratio}}
    peak = typed_setting(c, "learningRate", 2e-4, float)
    return {"lr_scheduler_type": "polynomial", "lr_scheduler_kwargs": {"lr_end": peak * ratio, "power": 1.0}}


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class LorahpoCallback(_CallbackBase):
    """Prints the contract's lines from Trainer events; `save_adapter(path)` saves the model's adapter."""

    def __init__(self, contract, save_adapter=None, out=None):
        self.contract = contract
        self.save_adapter = save_adapter
        self.out = out or sys.stdout
        objective = contract.training.get("objective") or {}
        self.metric = objective.get("metric", "eval_loss")
        self.maximize = objective.get("direction", "minimize") == "maximize"
        stopping = contract.training.get("earlyStopping")
        self.patience = None if stopping is None else int(stopping.get("patience", 3))
        self.min_delta = 0.0 if stopping is None else float(stopping.get("minDelta", 0))
        self.best = None
        self.best_metrics = {}
        self.best_epoch = None
        self.bad_evaluations = 0
        self.early_stopped = False
        self.stopped_epoch = None
        self.sigterm = False
        self.adapter_path = None
        self.last_eval_step = None

    def install_sigterm(self):
        """SIGTERM (the operator stopping a pruned or timed-out trial) stops at the next step."""
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "sigterm", True))

    def _emit(self, event):
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def _gain(self, value):
        if self.best is None:
            return math.inf
        return value - self.best if self.maximize else self.best - value

    def on_step_end(self, args, state, control, **kwargs):
        if self.sigterm:
            control.should_training_stop = True
        return control

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        metrics = dict(metrics or {})
        if "eval_loss" in metrics and _finite(metrics["eval_loss"]):
            metrics.setdefault("perplexity", math.exp(min(metrics["eval_loss"], 700)))
        epoch = float(state.epoch or 0)
        self.last_eval_step = int(state.global_step)
        # Trainer's metrics also hold the epoch and timings: not curves of the model
        numeric = {
            k: float(v)
            for k, v in metrics.items()
            if _finite(v) and k != "epoch" and not k.endswith(("_runtime", "_per_second"))
        }
        for name, value in numeric.items():
            self._emit({"type": "metric", "name": name, "value": value, "step": int(state.global_step), "epoch": round(epoch, 4)})
        value = numeric.get(self.metric)
        if value is None:
            return control
        # the built-in trainer's semantics: the best follows every better evaluation, but only a
        # gain above minDelta resets patience
        gain = self._gain(value)
        if gain > 0:
            self.best = value
            self.best_metrics = numeric
            self.best_epoch = max(1, math.ceil(epoch - 1e-9))
            if self.save_adapter is not None and self.contract.output_dir:
                self.adapter_path = self.save_adapter(self.contract.output_dir)
        if gain > self.min_delta:
            self.bad_evaluations = 0
        else:
            self.bad_evaluations += 1
            if self.patience is not None and self.bad_evaluations >= self.patience:
                self.early_stopped = True
                self.stopped_epoch = max(1, math.ceil(epoch - 1e-9))
                control.should_training_stop = True
        return control

    def result(self):
        event = {
            "type": "result",
            "value": self.best if self.best is not None else float("nan"),
            "metrics": self.best_metrics,
            "earlyStopped": self.early_stopped,
        }
        if self.early_stopped:
            event["stoppedEpoch"] = self.stopped_epoch
            event["reason"] = f"no improvement > {self.min_delta} in {self.patience} evaluation(s)"
        if self.best_epoch is not None:
            event["bestEpoch"] = self.best_epoch
        if self.adapter_path is not None:
            event["adapterPath"] = self.adapter_path
        return event

    def finish(self):
        """Writes the result file and prints the result line last; returns the exit status.

        After SIGTERM nothing is reported (the operator has already decided the trial's fate);
        with no finite objective the run failed: exit 2, as the built-in trainer does.
        """
        if self.sigterm:
            sys.stderr.write("stopped by SIGTERM; no result\n")
            return 0
        event = self.result()
        if not _finite(event["value"]):
            sys.stderr.write(f"no finite {self.metric} was reported\n")
            return 2
        with open(self.contract.result_file, "w") as f:
            f.write(json.dumps(event) + "\n")  # the result line, as the contract says
        self._emit(event)
        return 0
