"""Independent PyTorch reference for the lorahpo trainer bench (bench/trainer/bench.ts).

A Llama-family decoder with LoRA written directly on torch ops (no transformers, no peft), so that
the TensorFlow.js trainer can be checked against it and timed next to it. The config switches
follow transformers' modeling files: rope_scaling linear/dynamic/llama3, Qwen2's q/k/v biases,
Llama's attention_bias/mlp_bias, Mistral's sliding window, Gemma's √hidden embedding scale,
(1 + w) RMSNorm and tanh-gelu MLP, Phi-3's fused qkv_proj/gate_up_proj, partial rotary and
longrope (transformers' modeling_phi3 and _compute_longrope_parameters).

  check <dir>                 reads dir/{request.json, lora_init.safetensors}, writes
                              dir/logits.f32 and dir/check.json
  speed <config.json> <threads> <steps>
                              prints {"ms_per_step" (best step), "median_ms", "tokens_per_s"} of a LoRA training step
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = data[base + start : base + end]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).astype(np.float32)
        out[name] = torch.from_numpy(arr.reshape(entry["shape"]).copy())
    return out


# Gemma3TextConfig's defaults, for what a multimodal config's text_config leaves out
GEMMA3_TEXT = {"head_dim": 256, "query_pre_attn_scalar": 256, "rope_theta": 1e6, "rope_local_base_freq": 1e4,
               "sliding_window": 4096, "sliding_window_pattern": 6, "tie_word_embeddings": True}


def decoder_config(c):
    """A gemma3 (multimodal) config's decoder is its text_config, a gemma3_text config."""
    if c.get("model_type") == "gemma3":
        return {**GEMMA3_TEXT, **c["text_config"], "model_type": "gemma3_text"}
    if c.get("model_type") == "gemma3_text":
        return {**GEMMA3_TEXT, **c}
    return c


def decoder_weights(w):
    """Gemma 3's multimodal checkpoint keeps the decoder under language_model. (and a vision tower beside it)."""
    if "language_model.model.embed_tokens.weight" not in w:
        return w
    return {k[len("language_model."):]: v for k, v in w.items() if k.startswith("language_model.")}


class Config:
    def __init__(self, c):
        c = decoder_config(c)
        self.type = c.get("model_type", "llama")
        self.vocab = c["vocab_size"]
        self.d = c["hidden_size"]
        self.inter = c["intermediate_size"]
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv = c.get("num_key_value_heads") or self.heads
        self.hd = c.get("head_dim") or self.d // self.heads
        self.phi3 = self.type == "phi3"
        self.eps = c.get("rms_norm_eps", 1e-5 if self.phi3 else 1e-6)
        # Phi-3: rope on the first int(head_dim * partial_rotary_factor) dimensions only
        self.rot = int(self.hd * c.get("partial_rotary_factor", 1.0)) if self.phi3 else self.hd
        self.orig_max_pos = c.get("original_max_position_embeddings", 4096)
        self.theta = c.get("rope_theta", 10000.0)
        # Gemma 3 text: Gemma 2's layer plus q/k norms and a second rope theta for the sliding layers
        self.gemma3 = self.type == "gemma3_text"
        self.gemma2 = self.type == "gemma2" or self.gemma3
        self.gemma = self.type == "gemma" or self.gemma2
        self.local_theta = c.get("rope_local_base_freq") if self.gemma3 else None
        self.tied = c.get("tie_word_embeddings", self.gemma)
        self.scaling = c.get("rope_scaling") or {}
        self.max_pos = c.get("max_position_embeddings")
        self.window = c.get("sliding_window") if self.type in ("mistral", "gemma2", "gemma3_text", "phi3") else None
        # Gemma 2: layer_types, else even layers slide; Gemma 3: else every pattern-th is global; Mistral: every layer
        types = c.get("layer_types")
        pattern = c.get("sliding_window_pattern")

        def slides(i):
            if types:
                return types[i] == "sliding_attention"
            return (i + 1) % pattern != 0 if self.gemma3 else i % 2 == 0

        self.sliding = [slides(i) if self.gemma2 else True for i in range(self.layers)]
        self.scaling_q = (c.get("query_pre_attn_scalar") or self.hd) ** -0.5 if self.gemma2 else self.hd**-0.5
        self.attn_cap = c.get("attn_logit_softcapping") if self.gemma2 else None
        self.final_cap = c.get("final_logit_softcapping") if self.gemma2 else None
        self.act = (c.get("hidden_activation") or "gelu_pytorch_tanh") if self.gemma else c.get("hidden_act", "silu")


def rms_norm(x, w, eps, plus_one=False):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * ((1.0 + w) if plus_one else w)


def longrope(c, seq):
    """transformers' _compute_longrope_parameters (Phi-3): float32 inverse frequencies and the attention factor."""
    s = c.scaling
    factor = c.max_pos / c.orig_max_pos
    attention = s.get("attention_factor")
    if attention is None:
        attention = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(c.orig_max_pos))
    ext = torch.tensor(s["long_factor"] if seq > c.orig_max_pos else s["short_factor"], dtype=torch.float32)
    shape = torch.arange(0, c.rot, 2, dtype=torch.int64).float() / c.rot
    return 1.0 / (ext * c.theta**shape), attention


def inv_freq(c, seq):
    """transformers' ROPE_INIT_FUNCTIONS for default, linear, dynamic and llama3, as float32."""
    kind = c.scaling.get("rope_type", c.scaling.get("type", "default"))
    if kind in ("longrope", "su"):
        return longrope(c, seq)[0]
    base = c.theta
    if kind == "dynamic" and seq > c.max_pos:
        f = c.scaling["factor"]
        base = base * ((f * seq / c.max_pos) - (f - 1)) ** (c.rot / (c.rot - 2))
    inv = torch.tensor(1.0 / (base ** (np.arange(0, c.rot, 2, dtype=np.float64) / c.rot)), dtype=torch.float32)
    if kind == "linear":
        inv = inv / c.scaling["factor"]
    elif kind == "llama3":
        s = c.scaling
        old = s["original_max_position_embeddings"]
        low_wl, high_wl = old / s["low_freq_factor"], old / s["high_freq_factor"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wl, inv / s["factor"], inv)
        smooth = (old / wavelen - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
        smoothed = (1 - smooth) * scaled / s["factor"] + smooth * scaled
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rope(seq, hd, theta, c=None):
    if c is None:
        inv = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
        inv = inv.astype(np.float32).astype(np.float64)
    else:
        inv = inv_freq(c, seq).numpy().astype(np.float64)
    ang = np.outer(np.arange(seq, dtype=np.float64), inv)
    emb = np.concatenate([ang, ang], axis=1)
    cos, sin = torch.tensor(np.cos(emb), dtype=torch.float32), torch.tensor(np.sin(emb), dtype=torch.float32)
    if c is not None and c.scaling.get("type", c.scaling.get("rope_type")) in ("longrope", "su"):
        attention = longrope(c, seq)[1]
        cos, sin = cos * attention, sin * attention
    return cos, sin


def apply_rope(x, cos, sin):
    """Phi-3's apply_rotary_pos_emb: the first cos.shape[-1] dimensions turn, the rest pass."""
    r = cos.shape[-1]
    x_rot, x_pass = x[..., :r], x[..., r:]
    return torch.cat([x_rot * cos + rotate_half(x_rot) * sin, x_pass], dim=-1)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class LoraLlama:
    """Frozen weights W (name → tensor); LoRA A [r, in], B [out, r] and, for DoRA, the magnitude m [out]
    as trainable leaves. DoRA as its paper writes it: y = b + m / ‖W + sBA‖ ⊙ (x (W + sBA)ᵀ), the
    norm per output row and held constant (detached)."""

    def __init__(self, cfg, weights, lora, scale):
        self.c, self.w, self.lora, self.scale = cfg, weights, lora, scale

    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].T
        if name + ".bias" in self.w:
            y = y + self.w[name + ".bias"]
        ab = self.lora.get(name)
        if ab is None:
            return y
        if ab[2] is None:
            return y + (x @ ab[0].T @ ab[1].T) * self.scale
        adapted = self.w[name + ".weight"] + self.scale * (ab[1] @ ab[0])
        norm = torch.linalg.norm(adapted, dim=1).detach()
        y = (x @ adapted.T) * (ab[2] / norm)
        return y + self.w[name + ".bias"] if name + ".bias" in self.w else y

    def forward(self, ids):
        c = self.c
        b, t = ids.shape
        h = self.w["model.embed_tokens.weight"][ids]
        if c.gemma:
            h = h * torch.tensor(c.d**0.5, dtype=torch.float32)
        cos, sin = rope(t, c.hd, c.theta, c)
        # Gemma 3's sliding layers: their own theta, no rope scaling
        local = rope(t, c.hd, c.local_theta) if c.local_theta else (cos, sin)
        causal = torch.full((t, t), float("-inf")).triu(1)
        windowed = causal
        if c.window is not None:
            rows = torch.arange(t).view(-1, 1)
            windowed = causal.masked_fill(rows - torch.arange(t).view(1, -1) >= c.window, float("-inf"))
        act = {"silu": F.silu, "gelu_pytorch_tanh": lambda g: F.gelu(g, approximate="tanh"), "gelu": F.gelu}[c.act]
        norm = lambda x, name: rms_norm(x, self.w[name], c.eps, c.gemma)
        for i in range(c.layers):
            p = f"model.layers.{i}"
            x = norm(h, p + ".input_layernorm.weight")
            if c.phi3:
                qkv = self.linear(x, p + ".self_attn.qkv_proj")
                nq, nkv = c.heads * c.hd, c.kv * c.hd
                q, k, v = qkv[..., :nq], qkv[..., nq : nq + nkv], qkv[..., nq + nkv :]
            else:
                q = self.linear(x, p + ".self_attn.q_proj")
                k = self.linear(x, p + ".self_attn.k_proj")
                v = self.linear(x, p + ".self_attn.v_proj")
            q = q.reshape(b, t, c.heads, c.hd).transpose(1, 2)
            k = k.reshape(b, t, c.kv, c.hd).transpose(1, 2)
            v = v.reshape(b, t, c.kv, c.hd).transpose(1, 2)
            if c.gemma3:
                q = rms_norm(q, self.w[p + ".self_attn.q_norm.weight"], c.eps, True)
                k = rms_norm(k, self.w[p + ".self_attn.k_norm.weight"], c.eps, True)
            layer_cos, layer_sin = local if c.sliding[i] else (cos, sin)
            q = apply_rope(q, layer_cos, layer_sin)
            k = apply_rope(k, layer_cos, layer_sin)
            k = k.repeat_interleave(c.heads // c.kv, dim=1)
            v = v.repeat_interleave(c.heads // c.kv, dim=1)
            scores = (q @ k.transpose(-1, -2)) * c.scaling_q
            if c.attn_cap:
                scores = torch.tanh(scores / c.attn_cap) * c.attn_cap
            att = torch.softmax(scores + (windowed if c.sliding[i] else causal), dim=-1)
            ctx = (att @ v).transpose(1, 2).reshape(b, t, c.heads * c.hd)
            o = self.linear(ctx, p + ".self_attn.o_proj")
            if c.gemma2:
                h = h + norm(o, p + ".post_attention_layernorm.weight")
                y = norm(h, p + ".pre_feedforward_layernorm.weight")
            else:
                h = h + o
                y = norm(h, p + ".post_attention_layernorm.weight")
            if c.phi3:
                g, u = self.linear(y, p + ".mlp.gate_up_proj").chunk(2, dim=-1)
            else:
                g, u = self.linear(y, p + ".mlp.gate_proj"), self.linear(y, p + ".mlp.up_proj")
            m = self.linear(act(g) * u, p + ".mlp.down_proj")
            h = h + (norm(m, p + ".post_feedforward_layernorm.weight") if c.gemma2 else m)
        h = norm(h, "model.norm.weight")
        head = self.w["model.embed_tokens.weight"] if c.tied else self.w["lm_head.weight"]
        logits = h @ head.T
        if c.final_cap:
            logits = torch.tanh(logits / c.final_cap) * c.final_cap
        return logits

    def loss(self, ids, targets, weights):
        logits = self.forward(ids)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
        return (nll * weights.reshape(-1)).sum() / weights.sum(), logits


SUFFIXES = {".lora_A.weight": 0, ".lora_B.weight": 1, ".lora_magnitude_vector": 2}


def lora_from_peft(state):
    """module → [A, B, magnitude or None], from PEFT's tensor names."""
    lora = {}
    for name, tensor in state.items():
        suffix = next(s for s in SUFFIXES if name.endswith(s))
        module = name[len("base_model.model.") : -len(suffix)]
        if module.startswith("language_model."):  # a multimodal checkpoint's decoder
            module = module[len("language_model."):]
        lora.setdefault(module, [None, None, None])[SUFFIXES[suffix]] = tensor.clone().requires_grad_(True)
    return lora


def one_step(model, params, batch, h):
    opt = torch.optim.AdamW(params, lr=h["learningRate"], betas=(0.9, 0.999), eps=1e-8, weight_decay=h["weightDecay"])
    loss, _ = model.loss(*batch)
    opt.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(params, h["maxGradNorm"])
    opt.step()
    return loss.item(), norm.item()


def check(directory):
    req = json.load(open(f"{directory}/request.json"))
    cfg = Config(json.load(open(f"{req['model']}/config.json")))
    weights = decoder_weights(load_safetensors(f"{req['model']}/model.safetensors"))
    lora = lora_from_peft(load_safetensors(f"{directory}/lora_init.safetensors"))
    h = req["hyper"]
    model = LoraLlama(cfg, weights, lora, h["loraAlpha"] / h["loraR"])
    shape = (req["batch"], req["seqLen"])
    batch = (
        torch.tensor(req["ids"], dtype=torch.long).view(shape),
        torch.tensor(req["targets"], dtype=torch.long).view(shape),
        torch.tensor(req["weights"], dtype=torch.float32).view(shape),
    )
    with torch.no_grad():
        logits = model.forward(batch[0])
    logits.numpy().astype("<f4").tofile(f"{directory}/logits.f32")
    params = [t for entry in lora.values() for t in entry if t is not None]
    loss_before, grad_norm = one_step(model, params, batch, h)
    with torch.no_grad():
        loss_after, _ = model.loss(*batch)
    json.dump({"lossBefore": loss_before, "gradNorm": grad_norm, "lossAfter": loss_after.item()}, open(f"{directory}/check.json", "w"))


def speed(config_path, threads, steps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    spec = json.load(open(config_path))
    cfg = Config(spec["model"])
    names = {}
    for i in range(cfg.layers):
        p = f"model.layers.{i}"
        names.update({
            p + ".self_attn.q_proj.weight": (cfg.heads * cfg.hd, cfg.d), p + ".self_attn.k_proj.weight": (cfg.kv * cfg.hd, cfg.d),
            p + ".self_attn.v_proj.weight": (cfg.kv * cfg.hd, cfg.d), p + ".self_attn.o_proj.weight": (cfg.d, cfg.heads * cfg.hd),
            p + ".mlp.gate_proj.weight": (cfg.inter, cfg.d), p + ".mlp.up_proj.weight": (cfg.inter, cfg.d), p + ".mlp.down_proj.weight": (cfg.d, cfg.inter),
        })
    weights = {n: torch.randn(s) * 0.02 for n, s in names.items()}
    weights["model.embed_tokens.weight"] = torch.randn(cfg.vocab, cfg.d) * 0.02
    if not cfg.tied:
        weights["lm_head.weight"] = torch.randn(cfg.vocab, cfg.d) * 0.02
    for i in range(cfg.layers):
        weights[f"model.layers.{i}.input_layernorm.weight"] = torch.ones(cfg.d)
        weights[f"model.layers.{i}.post_attention_layernorm.weight"] = torch.ones(cfg.d)
    weights["model.norm.weight"] = torch.ones(cfg.d)
    r = spec["loraR"]
    lora = {}
    for i in range(cfg.layers):
        for m in spec["targetModules"]:
            name = f"model.layers.{i}.self_attn.{m}"
            out_f, in_f = weights[name + ".weight"].shape
            lora[name] = [((torch.rand(r, in_f) * 2 - 1) / math.sqrt(in_f)).requires_grad_(True), torch.zeros(out_f, r, requires_grad=True), None]
    model = LoraLlama(cfg, weights, lora, spec["loraAlpha"] / r)
    params = [t for entry in lora.values() for t in entry if t is not None]
    opt = torch.optim.AdamW(params, lr=1e-4, eps=1e-8, weight_decay=0.01)
    b, t = spec["batch"], spec["seqLen"]
    ids = torch.randint(0, cfg.vocab, (b, t))
    batch = (ids, torch.roll(ids, -1, 1), torch.ones(b, t))

    def step():
        loss, _ = model.loss(*batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    best = min(times)  # the least disturbed step: the machine is shared
    median = sorted(times)[len(times) // 2]
    print(json.dumps({"ms_per_step": best, "median_ms": median, "tokens_per_s": b * t / (best / 1000), "threads": threads}))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        speed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
