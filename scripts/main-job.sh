#!/usr/bin/env bash
# The README's main job: set up, compile the Fashion-MNIST spec to a WGSL
# bundle, and run it on this machine's WebGPU device (SwiftShader without a GPU).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
node cli/bin.mjs check specs/fashion.reg
node cli/bin.mjs compile specs/fashion.reg -o out/fashion
node cli/bin.mjs run out/fashion --random --batch 4
