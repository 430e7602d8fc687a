"""Golden cases for the compute-heavy ops: linear, matmul, conv, pool, global_avgpool.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/ops_compute.py
It rewrites tests/golden/ops/{linear,matmul,conv,pool,global_avgpool}-*/.

Every case is small (SwiftShader is slow and the files are committed) but the
set covers each attribute combination: stride, padding, dilation, groups
(depthwise included), bias on and off, 1d and 2d, sizes that are not
multiples of the kernels' 4-wide tiles, N = 1, fixed shapes, and epilogues
with every unary and binary function. Inputs are listed in node-input order;
`batched` names those whose axis 0 is the symbolic batch N.
"""
import math
import os
import shutil
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BINARY, UNARY, seeded, write_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "ops")
PREFIXES = ("linear-", "matmul-", "conv-", "pool-", "global_avgpool-")



def apply_epilogue(y, steps, inputs):
    """The IR's epilogue semantics: unary steps, and `y fn inputs[operand]` (or flipped)."""
    for s in steps:
        if s["kind"] == "unary":
            y = UNARY[s["fn"]](y, s.get("alpha"), s.get("beta"))
        else:
            other = inputs[s["operand"]]
            y = BINARY[s["fn"]](other, y) if s.get("operandFirst") else BINARY[s["fn"]](y, other)
    return y


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def case(name, op, attrs, named_inputs, y, batched=("x",), tolerance=1e-4):
    """named_inputs: list of (name, tensor) in node-input order."""
    names = [n for n, _ in named_inputs]
    spec = {
        "op": op,
        "attrs": attrs,
        "inputs": names,
        "batchAxis": 0 if batched else None,
        "expected": "y",
        "tolerance": tolerance,
    }
    if batched:
        spec["batched"] = list(batched)
    tensors = dict(named_inputs)
    tensors["y"] = y
    write_case(ROOT, name, spec, tensors)


# ----------------------------------------------------------------- linear


def linear_case(name, x_shape, out_features, bias=True, epilogue=(), residual=False, batched=True, seed=0):
    seeded(seed)
    x = rand(*x_shape)
    w = rand(out_features, x_shape[-1]) / math.sqrt(x_shape[-1])
    inputs = [("x", x), ("weight", w)]
    if bias:
        inputs.append(("bias", rand(out_features)))
    y = F.linear(x, w, inputs[2][1] if bias else None)
    if residual:
        inputs.append(("residual", rand(*y.shape)))
    y = apply_epilogue(y, epilogue, [t for _, t in inputs])
    names = ["x", "residual"] if residual else ["x"]
    case(name, "linear", {"epilogue": list(epilogue)}, inputs, y, batched=names if batched else ())


def linear_cases():
    linear_case("linear-aligned", (3, 20), 12, seed=1)
    linear_case("linear-odd-sizes", (5, 13), 7, seed=2)
    linear_case("linear-3d-no-bias", (2, 5, 6), 9, bias=False, seed=3)
    linear_case("linear-k-below-4", (4, 3), 5, seed=4)
    linear_case("linear-batch-1", (1, 8), 6, seed=5)
    linear_case("linear-fixed-shape", (6, 8), 10, batched=False, seed=6)
    linear_case("linear-long-k", (2, 100), 9, seed=7)
    linear_case("linear-many-tiles", (19, 24), 20, seed=10)
    # Whole quads of column tiles: the subgroup twins share their loads here.
    linear_case("linear-quad-tiles", (5, 20), 64, epilogue=({"kind": "unary", "fn": "relu"},), seed=11)
    linear_case("linear-quad-tiles-k-remainder", (3, 22), 32, seed=12)
    linear_case(
        "linear-epilogue-residual-relu",
        (4, 16),
        8,
        residual=True,
        epilogue=({"kind": "binary", "fn": "add", "operand": 3}, {"kind": "unary", "fn": "relu"}),
        seed=8,
    )
    linear_case(
        "linear-epilogue-operand-first",
        (3, 7),
        5,
        residual=True,
        epilogue=(
            {"kind": "binary", "fn": "sub", "operand": 3, "operandFirst": True},
            {"kind": "unary", "fn": "sigmoid"},
            {"kind": "binary", "fn": "div", "operand": 3, "operandFirst": True},
        ),
        seed=9,
    )
    unary_cases()
    binary_cases()


def identity_case(name, x, epilogue, residual=None, tolerance=1e-4):
    """A linear with the identity as weight isolates an epilogue: x @ I is exact in f32."""
    # The IR reads a linear's third input as its bias, so an epilogue operand comes fourth.
    inputs = [("x", x), ("weight", torch.eye(x.shape[-1])), ("bias", torch.zeros(x.shape[-1]))]
    if residual is not None:
        inputs.append(("residual", residual))
    y = apply_epilogue(x.clone(), epilogue, [t for _, t in inputs])
    case(name, "linear", {"epilogue": list(epilogue)}, inputs, y,
         batched=["x", "residual"] if residual is not None else ["x"], tolerance=tolerance)


def spread(low, high, count=64):
    """`count` values from low to high, with the ends and a few tiny magnitudes mixed in."""
    values = torch.linspace(low, high, count - 4)
    special = torch.tensor([0.0, 1e-4, -1e-4, 1e-7]) if low < 0 else torch.tensor([1e-4, 1e-2, 0.5, 1.0])
    return torch.cat([values, special]).reshape(8, 8)


def unary_cases():
    # gelu is held to 2e-6 (|diff| <= 2e-6 * max(1, |y|)): its erf must be accurate, not just close.
    tight = {"gelu": 2e-6, "gelu_tanh": 2e-6, "silu": 2e-6, "sigmoid": 2e-6, "tanh": 2e-6}
    for fn in UNARY:
        if fn in ("log", "sqrt", "rsqrt"):
            x = spread(1e-3, 40.0)
        elif fn == "exp":
            x = spread(-20.0, 20.0)
        else:
            x = spread(-40.0, 40.0)
        step = {"kind": "unary", "fn": fn}
        if fn == "leaky_relu":
            step["alpha"] = 0.2
        if fn == "affine":
            step.update({"alpha": 1.5, "beta": -0.25})
        identity_case(f"linear-epilogue-{fn.replace('_', '-')}", x, [step], tolerance=tight.get(fn, 1e-4))
    # Where gelu's erf form differs most from 1 + erf cancellation: the negative tail.
    identity_case("linear-epilogue-gelu-tail", torch.linspace(-12.0, -2.0, 64).reshape(8, 8),
                  [{"kind": "unary", "fn": "gelu"}], tolerance=2e-6)
    # Default leaky slope (0.01) when alpha is absent.
    identity_case("linear-epilogue-leaky-relu-default", spread(-5.0, 5.0), [{"kind": "unary", "fn": "leaky_relu"}])


def binary_cases():
    seeded(11)
    x = spread(-4.0, 4.0)
    r = rand(8, 8) + 0.5
    for fn in BINARY:
        for first in (False, True):
            step = {"kind": "binary", "fn": fn, "operand": 3}
            if first:
                step["operandFirst"] = True
            suffix = "-first" if first else ""
            identity_case(f"linear-epilogue-{fn}{suffix}", x, [step], residual=r)


# ----------------------------------------------------------------- matmul


def matmul_case(name, a_shape, b_shape, batched=("a",), epilogue=(), residual=False, seed=0):
    seeded(seed)
    a = rand(*a_shape)
    b = rand(*b_shape)
    y = torch.matmul(a, b)
    inputs = [("a", a), ("b", b)]
    if residual:
        inputs.append(("residual", rand(*y.shape)))
    y = apply_epilogue(y, epilogue, [t for _, t in inputs])
    case(name, "matmul", {"epilogue": list(epilogue)}, inputs, y, batched=batched)


def matmul_cases():
    matmul_case("matmul-2d", (5, 12), (12, 8), seed=21)
    matmul_case("matmul-shared-rhs-odd", (2, 5, 7), (7, 6), seed=22)
    matmul_case("matmul-both-batched", (3, 4, 8), (3, 8, 4), batched=("a", "b"), seed=23)
    matmul_case("matmul-both-batched-odd", (2, 3, 5), (2, 5, 7), batched=("a", "b"), seed=24)
    matmul_case("matmul-broadcast-4d", (2, 1, 3, 5), (4, 5, 6), seed=25)
    matmul_case("matmul-lhs-2d-rhs-batched", (3, 5), (2, 5, 4), batched=("b",), seed=26)
    matmul_case("matmul-fixed-shape", (3, 6), (6, 9), batched=(), seed=27)
    matmul_case("matmul-many-tiles", (2, 11, 16), (16, 18), seed=31)
    matmul_case("matmul-batched-many-tiles", (2, 10, 9), (2, 9, 17), batched=("a", "b"), seed=32)
    matmul_case("matmul-quad-tiles", (2, 9, 12), (12, 32), seed=33)
    matmul_case("matmul-batch-1", (1, 4, 3), (1, 3, 2), batched=("a", "b"), seed=28)
    matmul_case("matmul-lhs-broadcast", (1, 6, 8), (2, 8, 8), batched=("b",), seed=29)
    matmul_case(
        "matmul-epilogue",
        (2, 4, 8),
        (8, 8),
        batched=("a", "residual"),
        residual=True,
        epilogue=({"kind": "unary", "fn": "gelu_tanh"}, {"kind": "binary", "fn": "add", "operand": 2}),
        seed=30,
    )


# ----------------------------------------------------------------- conv


def conv_case(name, x_shape, out_channels, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True,
              epilogue=(), residual=False, batched=True, seed=0):
    seeded(seed)
    spatial = len(x_shape) - 2
    as_list = lambda v: list(v) if isinstance(v, (tuple, list)) else [v] * spatial  # noqa: E731
    kernel, stride, padding, dilation = map(as_list, (kernel, stride, padding, dilation))
    x = rand(*x_shape)
    fan_in = x_shape[1] // groups * math.prod(kernel)
    w = rand(out_channels, x_shape[1] // groups, *kernel) / math.sqrt(fan_in)
    inputs = [("x", x), ("weight", w)]
    if bias:
        inputs.append(("bias", rand(out_channels)))
    conv = F.conv1d if spatial == 1 else F.conv2d
    y = conv(x, w, inputs[2][1] if bias else None, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if residual:
        inputs.append(("residual", rand(*y.shape)))
    y = apply_epilogue(y, epilogue, [t for _, t in inputs])
    attrs = {"spatial": spatial, "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
             "epilogue": list(epilogue)}
    names = ["x", "residual"] if residual else ["x"]
    case(name, "conv", attrs, inputs, y, batched=names if batched else ())


def conv_cases():
    conv_case("conv-2d-basic", (2, 3, 7, 6), 5, 3, padding=1, seed=41)
    conv_case("conv-2d-stride-2-no-pad-no-bias", (2, 4, 9, 9), 8, 3, stride=2, bias=False, seed=42)
    conv_case("conv-2d-dilation", (2, 2, 9, 8), 4, 3, padding=2, dilation=2, seed=43)
    conv_case("conv-2d-asymmetric", (2, 3, 8, 7), 6, (2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2), seed=44)
    conv_case("conv-2d-groups", (2, 4, 6, 6), 6, 3, padding=1, groups=2, seed=45)
    conv_case("conv-2d-groups-eight-per-group", (2, 4, 5, 5), 16, 3, padding=1, groups=2, seed=65)
    conv_case("conv-2d-groups-four-per-group", (2, 6, 5, 6), 12, 3, stride=2, padding=1, groups=3, seed=66)
    conv_case("conv-2d-twelve-channels", (2, 3, 5, 5), 12, 3, padding=1, bias=False, seed=67)
    conv_case("conv-2d-sixteen-channels", (2, 3, 5, 5), 16, 3, padding=1, seed=68)
    conv_case("conv-2d-groups-sixteen-per-group", (2, 4, 4, 3), 32, 3, padding=1, groups=2,
              epilogue=({"kind": "unary", "fn": "relu"},), seed=69)
    conv_case("conv-2d-depthwise", (2, 5, 7, 7), 5, 3, padding=1, groups=5, seed=46)
    conv_case("conv-2d-depthwise-multiplier", (2, 3, 8, 8), 6, 3, stride=2, padding=1, groups=3, seed=47)
    conv_case("conv-2d-depthwise-dilated-multiplier", (2, 3, 9, 10), 6, 3, stride=(2, 1), padding=2, dilation=2,
              groups=3, seed=70)
    conv_case(
        "conv-2d-depthwise-epilogue",
        (2, 4, 6, 11),
        4,
        (3, 5),
        padding=(1, 2),
        groups=4,
        residual=True,
        epilogue=({"kind": "binary", "fn": "add", "operand": 3}, {"kind": "unary", "fn": "relu"}),
        seed=71,
    )
    conv_case("conv-2d-two-output-channels", (2, 3, 5, 9), 2, 3, seed=72)
    conv_case("conv-2d-pointwise", (2, 8, 5, 5), 12, 1, seed=48)
    # Whole quads of 16-channel pixel tiles (subgroup twins), with idle invocations past the batch.
    conv_case("conv-2d-quad-tiles", (3, 16, 8, 8), 16, 3, padding=1, seed=74)
    conv_case("conv-2d-quad-tiles-two-blocks", (2, 4, 6, 8), 32, 3, padding=1,
              epilogue=({"kind": "unary", "fn": "relu"},), seed=75)
    conv_case("conv-2d-pointwise-groups", (2, 6, 4, 4), 4, 1, groups=2, seed=49)
    conv_case("conv-2d-pointwise-stride-2", (2, 4, 7, 7), 4, 1, stride=2, seed=50)
    conv_case("conv-2d-pointwise-padded", (2, 3, 4, 5), 4, 1, padding=1, bias=False, seed=51)
    conv_case("conv-2d-wide-padding", (2, 2, 5, 5), 4, 3, padding=2, seed=52)
    conv_case("conv-2d-batch-1", (1, 3, 6, 6), 8, 3, padding=1, seed=53)
    conv_case("conv-2d-fixed-shape", (2, 3, 5, 5), 4, 3, batched=False, seed=54)
    conv_case("conv-2d-kernel-fills-input", (2, 3, 4, 4), 5, 4, seed=55)
    conv_case(
        "conv-2d-epilogue-residual-relu",
        (2, 4, 6, 6),
        4,
        3,
        padding=1,
        residual=True,
        epilogue=({"kind": "binary", "fn": "add", "operand": 3}, {"kind": "unary", "fn": "relu"}),
        seed=56,
    )
    conv_case("conv-2d-epilogue-no-bias", (2, 3, 6, 5), 4, 3, bias=False, epilogue=({"kind": "unary", "fn": "silu"},),
              seed=57)
    conv_case(
        "conv-2d-pointwise-epilogue",
        (2, 4, 3, 3),
        8,
        1,
        residual=True,
        epilogue=({"kind": "unary", "fn": "gelu"}, {"kind": "binary", "fn": "mul", "operand": 3}),
        seed=58,
    )
    conv_case("conv-1d-basic", (2, 4, 11), 6, 3, padding=1, seed=61)
    conv_case("conv-1d-stride-dilation-groups", (2, 6, 13), 4, 3, stride=2, padding=3, dilation=2, groups=2, seed=62)
    conv_case("conv-1d-pointwise", (2, 5, 7), 3, 1, seed=63)
    conv_case("conv-1d-depthwise", (2, 4, 9), 4, 5, padding=2, groups=4, bias=False, seed=64)
    conv_case("conv-1d-depthwise-dilated", (2, 2, 20), 2, 3, padding=3, dilation=3, groups=2, seed=73)


# ----------------------------------------------------------------- pooling


def pool_case(name, kind, x, kernel, stride=None, padding=0, count_include_pad=True, batched=True):
    spatial = x.dim() - 2
    as_list = lambda v: list(v) if isinstance(v, (tuple, list)) else [v] * spatial  # noqa: E731
    kernel = as_list(kernel)
    stride = as_list(kernel if stride is None else stride)
    padding = as_list(padding)
    if kind == "max":
        pool = F.max_pool1d if spatial == 1 else F.max_pool2d
        y = pool(x, kernel, stride, padding)
        count_include_pad = False
    else:
        pool = F.avg_pool1d if spatial == 1 else F.avg_pool2d
        y = pool(x, kernel, stride, padding, count_include_pad=count_include_pad)
    attrs = {"kind": kind, "spatial": spatial, "kernel": kernel, "stride": stride, "padding": padding,
             "countIncludePad": count_include_pad}
    case(name, "pool", attrs, [("x", x)], y, batched=("x",) if batched else ())


def global_avgpool_case(name, x, batched=True):
    y = F.adaptive_avg_pool1d(x, 1) if x.dim() == 3 else F.adaptive_avg_pool2d(x, 1)
    case(name, "global_avgpool", {}, [("x", x)], y, batched=("x",) if batched else ())


def pool_cases():
    seeded(71)
    pool_case("pool-max-2d-basic", "max", rand(2, 3, 6, 6), 2)
    pool_case("pool-max-2d-padded", "max", rand(2, 2, 7, 7), 3, 2, 1)
    pool_case("pool-max-2d-asymmetric", "max", rand(2, 2, 6, 7), (3, 2), (1, 2), (1, 0))
    pool_case("pool-max-2d-overlapping", "max", rand(2, 2, 5, 6), 3, 1, 1)
    # All inputs negative: a zero-padded max would return 0 at the border.
    pool_case("pool-max-2d-negative-padded", "max", -rand(2, 2, 5, 5).abs() - 1.0, 2, 1, 1)
    pool_case("pool-max-1d", "max", rand(2, 3, 11), 3, 2, 1)
    pool_case("pool-max-2d-batch-1", "max", rand(1, 3, 4, 4), 2)
    pool_case("pool-avg-2d-basic", "avg", rand(2, 3, 6, 6), 2)
    pool_case("pool-avg-2d-include-pad", "avg", rand(2, 2, 7, 7), 3, 2, 1, count_include_pad=True)
    pool_case("pool-avg-2d-exclude-pad", "avg", rand(2, 2, 7, 7), 3, 2, 1, count_include_pad=False)
    pool_case("pool-avg-2d-asymmetric-exclude-pad", "avg", rand(2, 2, 6, 7), (2, 3), (2, 1), (1, 1),
              count_include_pad=False)
    pool_case("pool-avg-2d-asymmetric-include-pad", "avg", rand(2, 2, 6, 7), (2, 3), (2, 1), (1, 1))
    pool_case("pool-avg-1d-include-pad", "avg", rand(2, 3, 10), 4, 3, 2, count_include_pad=True)
    pool_case("pool-avg-1d-exclude-pad", "avg", rand(2, 3, 10), 4, 3, 2, count_include_pad=False)
    pool_case("pool-avg-2d-fixed-shape", "avg", rand(3, 2, 4, 6), 2, batched=False)
    global_avgpool_case("global_avgpool-2d-short", rand(2, 3, 4, 5))
    global_avgpool_case("global_avgpool-2d-long", rand(2, 3, 9, 10))
    global_avgpool_case("global_avgpool-2d-very-long", rand(1, 2, 48, 48))
    global_avgpool_case("global_avgpool-1d", rand(2, 4, 7))
    global_avgpool_case("global_avgpool-fixed-shape", rand(3, 2, 6, 6), batched=False)


def main():
    os.makedirs(ROOT, exist_ok=True)
    for name in os.listdir(ROOT):
        if name.startswith(PREFIXES):
            shutil.rmtree(os.path.join(ROOT, name))
    linear_cases()
    matmul_cases()
    conv_cases()
    pool_cases()


if __name__ == "__main__":
    main()
