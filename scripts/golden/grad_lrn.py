"""local_response_norm (torch.nn.LocalResponseNorm) in eval and train mode, differentiated by torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_lrn.py
It rewrites tests/golden/grad-ops/lrn/. Each case is a folder <mode>/<case>/ in the format of
scripts/golden/gradients.py (model.reg, weights.safetensors, tensors.safetensors with the inputs,
`grad_output`, `output`, `grad.<param>` and `grad_input.<input>`; case.json). The layer has no
statistics, so both modes compute the same numbers; each case is written in both because the
train and eval preparations are separate passes.

The cases cover window sizes 1 (each channel alone), 2 (one channel before, none after), 3, 5
and sizes beyond the channel count (every window reaches past both ends, where torch's zero
padding adds nothing and the divisor stays `size`), alpha, beta and k away from their defaults
(large alpha so that the window's term of the gradient matters, beta above 1 and below 0),
inputs of rank 3, 4 and 5, and a convolution before the layer so that weights get gradients
through it.
"""
import os
import shutil
import sys
import zlib

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_gradient_case  # noqa: E402
from models import named, randomise  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-ops", "lrn")

CASES = []


def case(name, notes):
    def register(build):
        CASES.append({"name": name, "notes": notes, "build": build})
        return build
    return register


@case("alexnet-rank4", "AlexNet's conv -> relu -> local_response_norm(5, alpha=1e-4, beta=0.75, k=2) on large activations")
def alexnet():
    spec = """\
model AlexNetLrn {
  input x: f32[N, 3, 6, 6]
  output y

  c1: conv2d(8, 3, padding=1) -> relu
  local_response_norm(5, k=2.0)
}
"""
    m = named(("c1", nn.Conv2d(3, 8, 3, padding=1)), (None, nn.ReLU()), (None, nn.LocalResponseNorm(5, k=2.0)))
    randomise(m)
    return spec, m, {"x": torch.randn(2, 3, 6, 6) * 20.0}


@case("size1-rank3", "size 1 (each channel alone) after a conv1d, alpha 0.5, beta 0.5")
def size1():
    spec = """\
model Size1 {
  input x: f32[N, 3, 7]
  output y

  c1: conv1d(4, 3)
  local_response_norm(1, alpha=0.5, beta=0.5)
}
"""
    m = named(("c1", nn.Conv1d(3, 4, 3)), (None, nn.LocalResponseNorm(1, alpha=0.5, beta=0.5)))
    randomise(m)
    return spec, m, {"x": torch.randn(3, 3, 7)}


@case("size2-rank4", "size 2 (one channel before, none after): alpha 2, beta 1.5, k 0.5")
def size2():
    spec = """\
model Size2 {
  input x: f32[N, 2, 4, 4]
  output y

  c1: conv2d(5, 1)
  local_response_norm(size=2, alpha=2.0, beta=1.5, k=0.5)
}
"""
    m = named(("c1", nn.Conv2d(2, 5, 1)), (None, nn.LocalResponseNorm(2, alpha=2.0, beta=1.5, k=0.5)))
    randomise(m)
    return spec, m, {"x": torch.randn(2, 2, 4, 4)}


@case("size3-rank3", "size 3 with alpha 3, the default beta and k, then a second conv1d after it")
def size3():
    spec = """\
model Size3 {
  input x: f32[N, 2, 9]
  output y

  c1: conv1d(6, 3, padding=1) -> tanh
  local_response_norm(3, alpha=3.0)
  c2: conv1d(3, 2, stride=2)
}
"""
    m = named(("c1", nn.Conv1d(2, 6, 3, padding=1)), (None, nn.Tanh()), (None, nn.LocalResponseNorm(3, alpha=3.0)),
              ("c2", nn.Conv1d(6, 3, 2, stride=2)))
    randomise(m)
    return spec, m, {"x": torch.randn(2, 2, 9)}


@case("size-over-channels", "size 5 and 8 over 3 channels: every window reaches past both ends; beta 2 and -0.5")
def size_over_channels():
    spec = """\
model SizeOverChannels {
  input x: f32[N, 2, 5, 4]
  output y

  c1: conv2d(3, 3, padding=1)
  local_response_norm(5, alpha=4.0, beta=2.0, k=1.5)
  local_response_norm(8, alpha=1.0, beta=-0.5, k=0.75)
}
"""
    m = named(("c1", nn.Conv2d(2, 3, 3, padding=1)), (None, nn.LocalResponseNorm(5, alpha=4.0, beta=2.0, k=1.5)),
              (None, nn.LocalResponseNorm(8, alpha=1.0, beta=-0.5, k=0.75)))
    randomise(m)
    return spec, m, {"x": torch.randn(2, 2, 5, 4)}


@case("rank5-input", "a rank-5 input straight into local_response_norm(4, alpha=1, beta=1, k=1): no weights, the input's gradient")
def rank5():
    spec = """\
model Rank5 {
  input x: f32[N, 6, 2, 3, 2]
  output y

  local_response_norm(4, alpha=1.0, beta=1.0)
}
"""
    m = named((None, nn.LocalResponseNorm(4, alpha=1.0, beta=1.0)))
    return spec, m, {"x": torch.randn(2, 6, 2, 3, 2) * 1.5}


def check_formula():
    """torch's module is the formula docs/language.md gives: the window zero-padded, divided by size."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, dtype=torch.float64)
    size, alpha, beta, k = 5, 2.0, 0.75, 1.5
    want = torch.empty_like(x)
    for c in range(3):
        window = [j for j in range(c - size // 2, c + (size - 1) // 2 + 1) if 0 <= j < 3]
        want[:, c] = x[:, c] / (k + alpha / size * (x[:, window] ** 2).sum(1)) ** beta
    got = nn.LocalResponseNorm(size, alpha, beta, k)(x)
    assert torch.allclose(got, want, atol=1e-12), "LocalResponseNorm differs from the documented formula"


def write_case(entry, mode):
    seeded(zlib.crc32(f"{entry['name']}/{mode}".encode()))
    spec, module, inputs = entry["build"]()
    write_gradient_case(os.path.join(ROOT, mode, entry["name"]), mode, spec, module, inputs, "y", entry["notes"])


def main():
    check_formula()
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        for mode in ("eval", "train"):
            write_case(entry, mode)
            print(f"wrote {mode}/{entry['name']}")


if __name__ == "__main__":
    main()
