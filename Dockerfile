# syntax=docker/dockerfile:1
# lorahpo images. Targets:
#   docker build --target operator -t lorahpo-operator:0.1.0 .
#   docker build --target trainer  -t lorahpo-trainer:0.1.0 .
# Node 24 runs the TypeScript sources directly (type stripping), so no build step runs here.

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

# ---- operator ----
FROM ${NODE_IMAGE} AS operator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=operator-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY operator/src ./operator/src
COPY trainer/src/contract ./trainer/src/contract
COPY crds ./crds
# The restricted profile: a numeric non-root user (the image's `node` user).
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "bin/lorahpo.js", "operator"]

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
COPY bin/lorahpo-trainer.js ./bin/
COPY trainer/src ./trainer/src
COPY operator/src/errors.ts ./operator/src/
# H100/H200 (sm_90) have no kernels in TF 2.9: the driver JIT-compiles PTX on first use. Mount a
# volume at /cache so that work is done once, not in every trial.
RUN mkdir -p /cache/cuda && chown -R 1000:1000 /cache
USER 1000:1000
ENTRYPOINT ["node", "bin/lorahpo-trainer.js"]
