"""Drives examples/trainers/peft/lorahpo_contract.py the way transformers' Trainer does (on_step_end
and on_evaluate with a TrainerState and a TrainerControl), without transformers or peft, which
cannot be installed here. With torch, the stand-in trains a tiny torch model on CPU; without it,
a fixed curve. Modes:

  mapping   prints the LoraConfig and TrainingArguments keyword arguments as JSON
  train     trains until done or early-stopped, then finish()
  sigterm   sends itself SIGTERM after the second step
"""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "trainers", "peft"))
import lorahpo_contract as lc  # noqa: E402


class State:
    def __init__(self):
        self.global_step = 0
        self.epoch = 0.0


class Control:
    def __init__(self):
        self.should_training_stop = False


def curve():
    """Eval losses of a run: a tiny torch regression when torch is there, else a fixed list."""
    try:
        import torch
    except ImportError:
        for value in [2.0, 1.5, 1.2, 1.19, 1.19, 1.19, 1.19, 1.19]:
            yield value
        return
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + torch.randn(64)  # noise: the loss levels off near 1
    w = torch.zeros(4, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.4)
    for _ in range(12):
        loss = ((x @ w - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            yield float(((x @ w - y) ** 2).mean())


def main(mode):
    c = lc.read_contract()
    if mode == "mapping":
        try:  # as train.py resolves the presets: against the local model's config.json
            lora = lc.lora_config_kwargs(c, lc.model_type_of(c.training.get("model")))
        except lc.ContractError as error:
            sys.stderr.write(f"lorahpo: {error}\n")
            return 2
        print(json.dumps({"lora": lora, "args": lc.training_arguments_kwargs(c, "/tmp/x")}))
        return 0
    saved = []
    callback = lc.LorahpoCallback(c, save_adapter=lambda out: saved.append(out) or out)
    callback.install_sigterm()
    state, control = State(), Control()
    for i, value in enumerate(curve()):
        state.global_step = 10 * (i + 1)
        state.epoch = (i + 1) / 4
        callback.on_step_end(None, state, control)
        if mode == "sigterm" and i == 1:
            os.kill(os.getpid(), signal.SIGTERM)
        if control.should_training_stop:
            break
        callback.on_evaluate(None, state, control, metrics={"eval_loss": value, "eval_runtime": 0.1, "epoch": state.epoch})
        if control.should_training_stop:
            break
    sys.stderr.write(f"adapters saved: {len(saved)}\n")
    return callback.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
