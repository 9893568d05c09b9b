# syntax=docker/dockerfile:1
# lorahpo images. Targets:
#   docker build --target operator -t lorahpo-operator:0.1.0 .
#   docker build --target trainer  -t lorahpo-trainer:0.1.0 .          (CUDA; see docs/images.md)
#   docker build --target trainer-cpu -t lorahpo-trainer:0.1.0-cpu .  (wasm backend, any machine)
# The trainer runs its TypeScript sources directly (Node 24 strips types); the operator runs the
# compiled dist/ (type stripping alone costs it ~28 MiB of its memory budget).

ARG NODE_IMAGE=node:24-bookworm-slim
# The trainer's base: CUDA 11.8 + cuDNN 8, what tfjs-node-gpu's libtensorflow 2.9 links against.
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04

# ---- production dependencies, shared by the targets ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- the operator's dependencies: without the trainer's TensorFlow.js and tokenizers ----
FROM deps AS operator-deps
RUN rm -rf node_modules/@tensorflow node_modules/@huggingface

# ---- the operator compiled to JavaScript (tsc needs the dev dependencies) ----
FROM ${NODE_IMAGE} AS operator-build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY operator/src ./operator/src
COPY trainer/src ./trainer/src
RUN npx tsc -p tsconfig.json

# ---- operator ----
FROM ${NODE_IMAGE} AS operator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=operator-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=operator-build /app/dist/operator ./dist/operator
COPY --from=operator-build /app/dist/trainer/src/contract ./dist/trainer/src/contract
COPY crds ./crds
# The restricted profile: a numeric non-root user (the image's `node` user).
USER 1000:1000
EXPOSE 8080
# Memory that follows the live heap: small young-generation semi-spaces (the operator's garbage is
# short-lived request and watch-event objects) and an old generation that grows 50 % over what
# survived the last full GC, instead of V8's default of up to 4× when the machine has memory to
# spare. At 1000 running trials this keeps the operator under 256 MiB for ~6 % more CPU
# (docs/operator.md, Memory); bench:operator runs the operator with these same flags.
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "bin/lorahpo.js", "operator"]

# ---- trainer on the CPU: TensorFlow.js's wasm backend, no native TensorFlow, no GPU ----
#   docker build --target trainer-cpu -t lorahpo-trainer:0.1.0-cpu .
# Without tfjs-node(-gpu) in node_modules the trainer's backend order falls through to wasm; this
# image needs no CUDA base and no libtensorflow download, so it builds anywhere npm is reachable.
FROM deps AS trainer-cpu-deps
RUN rm -rf node_modules/@tensorflow/tfjs-node node_modules/@tensorflow/tfjs-node-gpu node_modules/@kubernetes

FROM ${NODE_IMAGE} AS trainer-cpu
ENV NODE_ENV=production \
    LORAHPO_RESULT_FILE=/dev/termination-log
WORKDIR /app
COPY --from=trainer-cpu-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin/lorahpo-trainer.js bin/node-version.js ./bin/
COPY trainer/src ./trainer/src
USER 1000:1000
ENTRYPOINT ["node", "bin/lorahpo-trainer.js"]

# ---- trainer ----
#   docker build --target trainer -t lorahpo-trainer:0.1.0 .
# tfjs-node-gpu 4.22 bundles libtensorflow 2.9.1, which needs CUDA 11.x and cuDNN 8 by those
# sonames (with only CUDA 12 it silently runs on the CPU; the trainer then fails loudly when a GPU
# was asked for). Its install step downloads libtensorflow: this stage needs that access, or a
# mirror through TFJS_NODE_CDN_STORAGE / TFJS_NODE_BASE_URI.
FROM ${NODE_IMAGE} AS node-runtime

FROM ${CUDA_IMAGE} AS trainer-deps
COPY --from=node-runtime /usr/local/bin/node /usr/local/bin/node
COPY --from=node-runtime /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /app
COPY package.json package-lock.json ./
ARG TFJS_NODE_CDN_STORAGE
ARG TFJS_NODE_BASE_URI
# Scripts off for everything, then run only tfjs-node-gpu's own install (the libtensorflow fetch);
# the CPU tfjs-node is dropped so the GPU build is the one the trainer finds first.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild @tensorflow/tfjs-node-gpu \
 && rm -rf node_modules/@tensorflow/tfjs-node node_modules/@kubernetes

FROM ${CUDA_IMAGE} AS trainer
COPY --from=node-runtime /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    CUDA_CACHE_PATH=/cache/cuda \
    CUDA_CACHE_MAXSIZE=4294967296 \
    LORAHPO_RESULT_FILE=/dev/termination-log
WORKDIR /app
COPY --from=trainer-deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin/lorahpo-trainer.js bin/node-version.js ./bin/
COPY trainer/src ./trainer/src
# H100/H200 (sm_90) have no kernels in TF 2.9: the driver JIT-compiles PTX on first use. Mount a
# volume at /cache so that work is done once, not in every trial.
RUN mkdir -p /cache/cuda && chown -R 1000:1000 /cache
USER 1000:1000
ENTRYPOINT ["node", "bin/lorahpo-trainer.js"]
