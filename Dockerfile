# syntax=docker/dockerfile:1.7
# One image for every service; each Kubernetes Deployment picks its entry point with `args`:
#   dist/gateway/main.js · dist/subgraphs/<name>/index.js · dist/inference/main.js
#
#   docker build -t federation-platform .                                   # CPU (default)
#   docker build -t federation-platform-cuda --target runtime-cuda \
#     --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 .                         # GPU (CUDA 12)
#
# onnxruntime-node bundles its CPU and WebGPU providers; its postinstall only downloads the CUDA
# provider libraries. package.json's allowScripts never lets it run; the GPU build fetches the
# provider explicitly with `npm run install:cuda` (build arg ONNXRUNTIME_NODE_INSTALL=cuda12).

# The Node line the project recommends (README: Supported Node.js versions); CI's production-shape
# check runs on the same major and fails when this line names another.
ARG NODE_IMAGE=node:24-bookworm-slim
# CUDA 12 + cuDNN 9 user-space libraries for onnxruntime's CUDA provider (the driver comes from the node).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false
# skip | cuda12 (GPU image; needs internet access during the build)
ARG ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# `skip` during `npm ci` holds for an npm older than 11.16 too, which ignores allowScripts.
RUN --mount=type=cache,target=/root/.npm \
    ONNXRUNTIME_NODE_INSTALL=skip npm ci \
 && if [ "${ONNXRUNTIME_NODE_INSTALL}" != skip ]; then \
      npm run -s install:cuda; \
    fi
COPY . .
# `npm run build` = prisma generate (no engine needed) + tsc → dist/; then drop dev dependencies
# and gather what the services read at run time (the same script CI's production-shape check runs).
RUN npm run build \
 && npm prune --omit=dev \
 && bash scripts/assemble-runtime.sh . /out

# ---------------------------------------------------------------- GPU runtime (--target runtime-cuda)
FROM ${NODE_IMAGE} AS node
FROM ${CUDA_IMAGE} AS runtime-cuda
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    MODEL_REPOSITORY=/models \
    INFERENCE_EXECUTION_PROVIDERS=cuda,webgpu,cpu
COPY --from=build /out /app
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4004 4005 8000
ENTRYPOINT ["node"]
CMD ["dist/gateway/main.js"]

# ---------------------------------------------------------------- CPU runtime (default target)
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    MODEL_REPOSITORY=/models
# Files stay root-owned and read-only to the service user (uid 1000 = `node` in this image).
COPY --from=build /out /app
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4004 4005 8000
ENTRYPOINT ["node"]
CMD ["dist/gateway/main.js"]
