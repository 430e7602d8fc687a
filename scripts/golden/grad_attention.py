"""Op-level gradient goldens for multihead_attention, differentiated by torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_attention.py
It rewrites tests/golden/grad-ops/attention/. Each case is one
torch.nn.MultiheadAttention(batch_first=True) used as self-attention (query = key = value = x,
no mask), in a folder <case>/ laid out as scripts/golden/gradients.py lays out its cases:

    model.reg              a spec with the one layer `attn`
    weights.safetensors    the module's state_dict (attn.in_proj_weight, ...)
    tensors.safetensors    `x`, `grad_output` (a seeded random cotangent), `output`,
                           `grad.<name>` for every parameter, `grad_input.x`
    case.json              {"mode": ..., "output": "y", "inputs": ["x"], "notes": ...}

regc must give the same numbers within 1e-4 abs + 1e-3 rel.
"""
import json
import math
import os
import shutil
import sys
import zlib

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-ops", "attention")

# name, embed E, length L, batch, heads, bias, dropout, mode, notes
CASES = [
    ("heads1-bias", 8, 5, 3, 1, True, 0.0, "eval", "one head: head_dim = E"),
    ("heads2-no-bias", 8, 5, 3, 2, False, 0.0, "eval", "bias=False: no in_proj_bias, out_proj.bias"),
    ("heads4-bias", 8, 6, 2, 4, True, 0.0, "eval", "head_dim 2"),
    ("heads4-head-dim4", 16, 3, 2, 4, True, 0.0, "eval", "head_dim 4, L < heads"),
    ("heads2-head-dim3", 6, 7, 2, 2, False, 0.0, "eval", "odd head_dim 3, L > E"),
    ("heads2-one-key", 8, 1, 3, 2, True, 0.0, "eval", "L = 1: the softmax is 1, no gradient reaches the scores"),
    ("heads2-dropout-at-eval", 8, 4, 2, 2, True, 0.25, "eval", "attention dropout 0.25 is the identity at eval"),
    ("train-heads2-bias", 8, 5, 3, 2, True, 0.0, "train", "train mode without dropout"),
]


class SelfAttention(nn.Module):
    def __init__(self, embed, heads, bias, dropout):
        super().__init__()
        self.attn = nn.MultiheadAttention(embed, heads, dropout=dropout, bias=bias, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


def spec_text(embed, length, heads, bias, dropout):
    args = [f"heads={heads}"] + ([] if bias else ["bias=false"]) + ([f"dropout={dropout}"] if dropout else [])
    return f"""\
model SelfAttention {{
  input x: f32[N, {length}, {embed}]
  output y

  attn: multihead_attention({", ".join(args)})
}}
"""


def write_case(name, embed, length, batch, heads, bias, dropout, mode, notes):
    seeded(zlib.crc32(name.encode()))
    module = SelfAttention(embed, heads, bias, dropout)
    with torch.no_grad():
        for pname, p in module.named_parameters():
            # Weights of unit gain, so the scores span a few units and the softmax is far from uniform.
            p.copy_(torch.randn(p.shape) / math.sqrt(p.shape[-1]) if p.dim() == 2 else 0.3 * torch.randn(p.shape))
    weights = {k: v.clone() for k, v in module.state_dict().items()}
    module.train(mode == "train")
    x = (1.5 * torch.randn(batch, length, embed)).requires_grad_(True)
    y = module(x)
    grad_output = torch.randn(y.shape)
    y.backward(grad_output)
    tensors = {"x": x.detach(), "grad_output": grad_output, "output": y.detach(), "grad_input.x": x.grad}
    for pname, p in module.named_parameters():
        tensors["grad." + pname] = p.grad
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(spec_text(embed, length, heads, bias, dropout))
    write_safetensors(os.path.join(folder, "weights.safetensors"), weights)
    write_safetensors(os.path.join(folder, "tensors.safetensors"), tensors)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"mode": mode, "output": "y", "inputs": ["x"], "notes": notes}, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for case in CASES:
        write_case(*case)
        print(f"wrote {case[0]}")


if __name__ == "__main__":
    main()
