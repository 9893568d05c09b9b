# syntax=docker/dockerfile:1
# lorahpo images. Targets:
#   docker build --target operator -t lorahpo-operator:0.1.0 .
#   (the trainer image gets its own target, `trainer`, in the trainer section below)
# Node 24 runs the TypeScript sources directly (type stripping), so no build step runs here.

ARG NODE_IMAGE=node:24-bookworm-slim

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
# The trainer engineer adds `FROM ${NODE_IMAGE} AS trainer` here (on top of `deps`).
