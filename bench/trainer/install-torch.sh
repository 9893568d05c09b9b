#!/usr/bin/env bash
# Installs the independent PyTorch reference's runtime (Debian's python3-torch, CPU) when no
# python3 on PATH or /usr/bin/python3 imports torch. Needs root and the Debian archive.
set -euo pipefail
for python in python3 /usr/bin/python3; do
  if "$python" -c 'import torch' 2>/dev/null; then
    echo "torch is importable by $python"
    exit 0
  fi
done
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("installed torch", torch.__version__)'
