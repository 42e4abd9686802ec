#!/usr/bin/env bash
# The edit benchmark on a Linux machine with an NVIDIA GPU and no browser:
#   bash bench/device/run.sh [gpu-bench.ts flags, e.g. --shapes gpt2 --dtypes F32 --steps 4]
# Needs only what travels with the repository copy (node_modules with tsx and
# the `webgpu` package's Dawn build) and the NVIDIA driver's Vulkan ICD; it
# installs nothing and never reaches the network.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v node >/dev/null || { echo "node (>= 20) is not installed" >&2; exit 2; }
[ -e node_modules/webgpu ] || { echo "node_modules/webgpu is missing: copy node_modules with the repository" >&2; exit 2; }
[ -x node_modules/.bin/tsx ] || { echo "node_modules/.bin/tsx is missing" >&2; exit 2; }

# Dawn runs on Vulkan: point the loader at NVIDIA's ICD (never SwiftShader).
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -e "$f" ]; then export VK_ICD_FILENAMES="$f"; break; fi
  done
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  echo "no NVIDIA Vulkan ICD found (nvidia_icd.json under /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)." >&2
  echo "Install the driver's Vulkan part (e.g. libnvidia-gl-<version>) or set VK_ICD_FILENAMES." >&2
  exit 2
fi
# Dawn (node_modules/webgpu/dist/linux-x64/dawn.node) links no Vulkan library: it dlopens the
# system loader libvulkan.so.1, which picks the driver named by VK_ICD_FILENAMES.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && [ -z "${LD_LIBRARY_PATH:-}" ]; then
  echo "libvulkan.so.1 (the Vulkan loader, Debian/Ubuntu package libvulkan1) is missing: Dawn cannot reach the GPU" >&2
  exit 2
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
echo "VK_ICD_FILENAMES=$VK_ICD_FILENAMES" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true

# Large models: the loader keeps one tensor on the host at a time, Node needs a little headroom.
exec node --max-old-space-size=8192 node_modules/.bin/tsx bench/device/gpu-bench.ts "$@"
