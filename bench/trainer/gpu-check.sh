#!/usr/bin/env bash
# GPU check for the trainer, for a machine with an NVIDIA GPU (the `device` machine where lent).
# Installs @tensorflow/tfjs-node-gpu 4.22 (its install step downloads libtensorflow 2.9.1 GPU:
# the machine needs access to storage.googleapis.com, or a mirror through TFJS_NODE_CDN_STORAGE /
# TFJS_NODE_BASE_URI), then times the bench's LoRA training step on the GPU and runs the trainer on
# the fixture with --backend tensorflow-gpu, which fails loudly if TensorFlow fell back to the CPU.
# Needs CUDA 11.x (libcudart.so.11.0) and cuDNN 8 (libcudnn.so.8). Budget: under 5 minutes.
#
#   bash bench/trainer/gpu-check.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS="${1:-5}"
export PATH="$PWD/node_modules/.bin:$PATH"
export TF_FORCE_GPU_ALLOW_GROWTH=true
# H100/H200 (sm_90): TF 2.9 has no sm_90 kernels; the driver JIT-compiles PTX once into this cache.
export CUDA_CACHE_PATH="${CUDA_CACHE_PATH:-$PWD/.cuda-cache}" CUDA_CACHE_MAXSIZE="${CUDA_CACHE_MAXSIZE:-4294967296}"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { echo "no NVIDIA GPU visible"; exit 1; }
for lib in libcudart.so.11.0 libcudnn.so.8; do
  ldconfig -p | grep -q "$lib" || echo "warning: $lib not found by ldconfig: TensorFlow 2.9 will fall back to the CPU"
done
if ! node -e "import('@tensorflow/tfjs-node-gpu')" 2>/dev/null; then
  echo "installing @tensorflow/tfjs-node-gpu@4.22.0 (downloads libtensorflow)…"
  timeout 150 npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0
fi
echo "## LoRA training step on the GPU (bench config: d_model 256, 4 layers, seq 128, batch 8, r 8)"
timeout 120 node bench/trainer/speed-variant.ts tensorflow-gpu "$STEPS" 1 | tail -1 |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(`tensorflow-gpu: ${r.msPerStep.toFixed(1)} ms per step, ${Math.round(r.tokensPerS)} tokens/s`)})'
echo "## Trainer on the fixture with --backend tensorflow-gpu (fails if TensorFlow is on the CPU)"
timeout 60 node bin/lorahpo-trainer.js --model examples/tiny/model --dataset examples/tiny/cncf-qa.jsonl \
  --backend tensorflow-gpu --max-steps 3 --result-file /dev/null 2>&1 | grep -E 'backend|result|error'
