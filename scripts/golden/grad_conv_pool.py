"""Op-level gradient goldens for conv and pool: torch's backward of one conv or pool.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_conv_pool.py
It rewrites tests/golden/grad-ops/conv-pool/. Each case folder holds

    case.json              {"op": "conv" | "pool", "attrs": the IR node's attrs, "bias": bool}
    tensors.safetensors    x, weight and bias (conv), grad_output (a seeded random cotangent),
                           output (the forward result), and torch's gradients after
                           output.backward(grad_output): grad.x, grad.weight, grad.bias

The conv cases cover 1d and 2d with stride, padding, dilation, groups, depthwise (with a
channel multiplier), no bias, pointwise, and strides that leave trailing input rows and
columns unread (the "output_padding" leftovers of the transposed convolution). The pool cases
cover max pooling with ties (inputs drawn from a few repeated values, and a constant input,
where torch sends each window's gradient to its first maximum in row-major order), overlapping
windows (stride < kernel), padding (which never wins a max, even over negative inputs), and
average pooling with count_include_pad on and off over padded windows.
"""
import math
import os
import shutil
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-ops", "conv-pool")


def as_list(v, spatial):
    return list(v) if isinstance(v, (tuple, list)) else [v] * spatial


def backward(forward, leaves):
    """Runs forward on leaf copies of `leaves` (dict), then backward from a random cotangent."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in leaves.items()}
    y = forward(**leaves)
    grad_output = torch.randn(y.shape)
    y.backward(grad_output)
    tensors = {k: v.detach() for k, v in leaves.items()}
    tensors.update({"grad." + k: v.grad for k, v in leaves.items()})
    tensors["grad_output"] = grad_output
    tensors["output"] = y.detach()
    return tensors


def conv_case(name, x_shape, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True, seed=0):
    seeded(seed)
    spatial = len(x_shape) - 2
    kernel, stride, padding, dilation = (as_list(v, spatial) for v in (kernel, stride, padding, dilation))
    fan_in = x_shape[1] // groups * math.prod(kernel)
    leaves = {"x": torch.randn(*x_shape), "weight": torch.randn(out_channels, x_shape[1] // groups, *kernel) / math.sqrt(fan_in)}
    if bias:
        leaves["bias"] = torch.randn(out_channels)
    conv = F.conv1d if spatial == 1 else F.conv2d

    def forward(x, weight, bias=None):
        return conv(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)

    tensors = backward(forward, leaves)
    attrs = {"spatial": spatial, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "epilogue": []}
    write_case(ROOT, name, {"op": "conv", "attrs": attrs, "bias": bias}, tensors)


def pool_case(name, kind, x, kernel, stride=None, padding=0, count_include_pad=False, seed=0):
    seeded(seed)
    spatial = x.dim() - 2
    kernel = as_list(kernel, spatial)
    stride = as_list(kernel if stride is None else stride, spatial)
    padding = as_list(padding, spatial)
    if kind == "max":
        pool = F.max_pool1d if spatial == 1 else F.max_pool2d
        forward = lambda x: pool(x, kernel, stride, padding)  # noqa: E731
        count_include_pad = False
    else:
        pool = F.avg_pool1d if spatial == 1 else F.avg_pool2d
        forward = lambda x: pool(x, kernel, stride, padding, count_include_pad=count_include_pad)  # noqa: E731
    tensors = backward(forward, {"x": x})
    attrs = {"kind": kind, "spatial": spatial, "kernel": kernel, "stride": stride, "padding": padding,
             "countIncludePad": count_include_pad}
    write_case(ROOT, name, {"op": "pool", "attrs": attrs, "bias": False}, tensors)


def repeated(*shape, values=(0.0, 0.5, 1.0)):
    """Inputs from a few values, so that most windows hold their maximum more than once."""
    return torch.tensor(values)[torch.randint(len(values), shape)]


def conv_cases():
    conv_case("conv1d-basic", (2, 3, 11), 4, 3, padding=1, seed=1)
    # (12 + 2 - 4 - 1) % 2 == 1: the last input column is read by no tap.
    conv_case("conv1d-stride-dilation-groups-leftover", (2, 4, 12), 6, 3, stride=2, padding=1, dilation=2, groups=2, seed=2)
    conv_case("conv1d-depthwise-multiplier-no-bias", (2, 4, 9), 8, 5, padding=2, groups=4, bias=False, seed=3)
    conv_case("conv2d-basic", (2, 3, 7, 6), 5, 3, padding=1, seed=4)
    conv_case("conv2d-asymmetric-leftover", (2, 3, 8, 9), 4, (3, 2), stride=(2, 3), padding=(1, 0), dilation=(1, 2), seed=5)
    conv_case("conv2d-groups-dilation", (2, 4, 9, 9), 6, 3, padding=2, dilation=2, groups=2, seed=6)
    conv_case("conv2d-depthwise-stride-leftover-no-bias", (2, 6, 8, 8), 6, 3, stride=2, padding=1, groups=6, bias=False, seed=7)
    conv_case("conv2d-depthwise-multiplier", (2, 3, 7, 7), 6, 3, padding=1, groups=3, seed=8)
    # Kernel 2, stride 3: every third row and column is read by no tap.
    conv_case("conv2d-stride-over-kernel-no-bias", (1, 2, 9, 9), 3, 2, stride=3, bias=False, seed=9)
    conv_case("conv2d-pointwise", (2, 5, 4, 4), 3, 1, seed=10)
    conv_case("conv2d-kernel-fills-input", (2, 2, 3, 3), 4, 3, seed=11)
    conv_case("conv2d-wide-padding", (2, 2, 4, 5), 3, 3, padding=2, seed=12)
    # Taps that fall in the padding at every output position (their weight gradient is 0), with a
    # stride, so the range of output positions that read x is empty on the far side.
    conv_case("conv1d-tap-only-in-padding", (2, 2, 3), 3, 3, stride=2, padding=1, dilation=2, seed=13)
    conv_case("conv2d-single-row-padded", (2, 3, 1, 5), 2, 3, stride=2, padding=1, seed=14)


def pool_cases():
    seeded(20)
    pool_case("maxpool2d-basic", "max", torch.randn(2, 3, 6, 6), 2, seed=21)
    pool_case("maxpool2d-ties-overlapping-padded", "max", repeated(2, 2, 7, 7), 3, 1, 1, seed=22)
    pool_case("maxpool2d-constant-input", "max", torch.full((1, 2, 6, 5), 0.25), 3, 2, 1, seed=23)
    pool_case("maxpool2d-ties-stride-2", "max", repeated(2, 2, 8, 8, values=(-1.0, 2.0)), 2, seed=24)
    pool_case("maxpool2d-negative-padded", "max", -torch.rand(2, 2, 5, 5) - 1.0, 3, 2, 1, seed=25)
    pool_case("maxpool2d-asymmetric-ties", "max", repeated(2, 2, 6, 7), (2, 3), (1, 2), (1, 1), seed=26)
    pool_case("maxpool1d-ties-overlapping", "max", repeated(2, 3, 11), 3, 2, 1, seed=27)
    pool_case("avgpool2d-include-pad", "avg", torch.randn(2, 2, 7, 7), 3, 2, 1, count_include_pad=True, seed=28)
    pool_case("avgpool2d-exclude-pad", "avg", torch.randn(2, 2, 7, 7), 3, 2, 1, count_include_pad=False, seed=29)
    pool_case("avgpool2d-overlapping", "avg", torch.randn(2, 2, 5, 6), 2, 1, seed=30)
    pool_case("avgpool2d-asymmetric-exclude-pad-leftover", "avg", torch.randn(2, 2, 8, 7), (3, 2), (2, 3), (1, 1),
              count_include_pad=False, seed=31)
    pool_case("avgpool2d-asymmetric-include-pad-leftover", "avg", torch.randn(2, 2, 8, 7), (3, 2), (2, 3), (1, 1),
              count_include_pad=True, seed=32)
    pool_case("avgpool1d-include-pad", "avg", torch.randn(2, 3, 10), 4, 3, 2, count_include_pad=True, seed=33)
    pool_case("avgpool1d-exclude-pad", "avg", torch.randn(2, 3, 10), 4, 3, 2, count_include_pad=False, seed=34)


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    conv_cases()
    pool_cases()
    print(f"wrote {len(os.listdir(ROOT))} cases to {os.path.relpath(ROOT)}")


if __name__ == "__main__":
    main()
