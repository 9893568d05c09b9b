"""A stand-in for the part of Hugging Face PEFT that examples/trainers/peft/train.py uses
(LoraConfig, get_peft_model, save_pretrained), so the script can run where peft cannot be
installed. Only tests/trainer/peft-example.test.ts puts it on PYTHONPATH.

As the real library: LoraConfig is a dataclass with peft's field names (a subset, from
src/peft/tuners/lora/config.py and src/peft/config.py) and refuses others with TypeError; the
adapter wraps the matching nn.Linear modules (a name or a dotted suffix; a string is a regex over
the full name; "all-linear" is every linear layer but the output head; none matching is a
ValueError), A ~ kaiming_uniform(a=sqrt(5)) from the global RNG, B = 0, scaled by alpha/r
(alpha/sqrt(r) with use_rslora), dropout on the adapter's input, everything else frozen;
save_pretrained writes adapter_config.json and adapter_model.safetensors with PEFT's key names.
"""
import json
import math
import os
import re
import struct
from dataclasses import asdict, dataclass, field
from typing import Optional, Union

import torch
from torch import nn


@dataclass
class LoraConfig:
    task_type: Optional[str] = None
    peft_type: Optional[str] = None
    base_model_name_or_path: Optional[str] = None
    revision: Optional[str] = None
    inference_mode: bool = False
    r: int = 8
    target_modules: Optional[Union[list, str]] = None
    exclude_modules: Optional[Union[list, str]] = None
    lora_alpha: int = 8
    lora_dropout: float = 0.0
    fan_in_fan_out: bool = False
    bias: str = "none"
    use_rslora: bool = False
    modules_to_save: Optional[list] = None
    init_lora_weights: Union[bool, str] = True
    layers_to_transform: Optional[Union[list, int]] = None
    layers_pattern: Optional[Union[list, str]] = None
    rank_pattern: Optional[dict] = field(default_factory=dict)
    alpha_pattern: Optional[dict] = field(default_factory=dict)
    use_dora: bool = False

    def __post_init__(self):
        self.peft_type = "LORA"
        if isinstance(self.target_modules, (list, tuple)):
            self.target_modules = set(self.target_modules)
        if self.bias not in ("none", "all", "lora_only"):
            raise ValueError(f"bias {self.bias!r} is not one of none, all, lora_only")
        unsupported = [n for n in ("exclude_modules", "modules_to_save", "layers_to_transform", "layers_pattern") if getattr(self, n)]
        if self.fan_in_fan_out or self.use_dora or self.rank_pattern or self.alpha_pattern or unsupported or self.init_lora_weights is not True:
            raise NotImplementedError("the stand-in implements plain LoRA only")

    def to_dict(self):
        d = asdict(self)
        if isinstance(d["target_modules"], set):
            d["target_modules"] = sorted(d["target_modules"])
        return d


class LoraLinear(nn.Module):
    def __init__(self, base, config):
        super().__init__()
        self.base_layer = base
        self.r = config.r
        self.scaling = config.lora_alpha / (math.sqrt(config.r) if config.use_rslora else config.r)
        self.lora_dropout = nn.Dropout(config.lora_dropout) if config.lora_dropout > 0 else nn.Identity()
        self.lora_A = nn.Linear(base.in_features, config.r, bias=False, dtype=base.weight.dtype)
        self.lora_B = nn.Linear(config.r, base.out_features, bias=False, dtype=base.weight.dtype)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


def _matches(name, targets, output_head):
    if targets == "all-linear":
        return name != output_head
    if isinstance(targets, str):
        return re.fullmatch(targets, name) is not None
    return any(name == t or name.endswith("." + t) for t in targets)


class PeftModelForCausalLM(nn.Module):
    def __init__(self, model, config):
        super().__init__()
        self.peft_config = {"default": config}
        self.base_model = nn.Module()
        self.base_model.model = model
        config.base_model_name_or_path = getattr(model, "name_or_path", None)
        for p in model.parameters():
            p.requires_grad_(False)
        linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
        hits = [(n, m) for n, m in linears if _matches(n, config.target_modules, "lm_head")]
        if not hits:
            raise ValueError(f"Target modules {config.target_modules} not found in the base model. Please check the target modules and try again.")
        for name, module in hits:
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, LoraLinear(module, config))
        if config.bias != "none":
            for name, p in model.named_parameters():
                if name.endswith("bias") and (config.bias == "all" or "lora_" in name):
                    p.requires_grad_(True)

    def forward(self, *args, **kwargs):
        return self.base_model.model(*args, **kwargs)

    def gradient_checkpointing_enable(self, **kwargs):
        self.base_model.model.gradient_checkpointing_enable(**kwargs)

    def adapter_state_dict(self):
        return {
            f"base_model.model.{name}": p.detach().contiguous()
            for name, p in self.base_model.model.named_parameters()
            if "lora_" in name
        }

    def save_pretrained(self, save_directory, **kwargs):
        os.makedirs(save_directory, exist_ok=True)
        _save_safetensors(self.adapter_state_dict(), os.path.join(save_directory, "adapter_model.safetensors"))
        with open(os.path.join(save_directory, "adapter_config.json"), "w") as f:
            json.dump(self.peft_config["default"].to_dict(), f, indent=2, sort_keys=True)


_DTYPES = {torch.float32: ("F32", 4), torch.bfloat16: ("BF16", 2), torch.float16: ("F16", 2)}


def _save_safetensors(tensors, path):
    """The safetensors layout: an 8-byte header length, a JSON header, the raw little-endian data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].cpu()
        dtype, size = _DTYPES[t.dtype]
        data = t.view(torch.int16).numpy().tobytes() if size == 2 else t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def get_peft_model(model, peft_config, adapter_name="default", **kwargs):
    if peft_config.task_type != "CAUSAL_LM":
        raise NotImplementedError("the stand-in has task_type CAUSAL_LM only")
    return PeftModelForCausalLM(model, peft_config)
