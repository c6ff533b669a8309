#!/usr/bin/env bash
# The GPU measurement of the capacity issue, in one call of the workplace's device tool:
#   here:   npm ci && bash ../shared/device/pack.sh
#   device: run(command="bash scripts/gpu/device-check.sh", carry=[".device"], timeout_s=540)
# It runs on the GPU machine, from the project root, and writes under $OUT (or ./out without it):
#   inference.jsonl  ASR encoder time per stream-chunk on cpu and webgpu at batch 1…1024, and the
#                    largest difference of webgpu's outputs from the cpu's (tolerance: 1e-3 in log-prob)
#   bench-<device>.json/.svg  `voxstream bench` latency against concurrent sessions with --device cpu|webgpu
set -uo pipefail
out=${OUT:-out}; mkdir -p "$out"
bash .device/setup.sh > "$out/setup.log" 2>&1 || { cat "$out/setup.log"; exit 1; }
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
[ -f "$VK_DRIVER_FILES" ] || unset VK_DRIVER_FILES
nproc; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
node --import tsx scripts/bench-inference.ts --devices cpu,webgpu --batches 1,16,64,256,1024 --runs 20 2>&1 | tee "$out/inference.jsonl"
levels=${LEVELS:-50,100,200,400}
for device in webgpu cpu; do
  timeout 200 node bin/voxstream.js bench --device "$device" --sessions "$levels" --duration 20 \
    --out "$out/bench-$device.json" --svg "$out/bench-$device.svg" 2>&1 | grep -E '"event":"level"|maxSessions' | cut -c1-600
done
