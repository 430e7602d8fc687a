"""Golden cases for the pointwise, softmax, reduction, layout, normalisation and attention ops.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/ops_rest.py
It rewrites tests/golden/ops/<op>-*/ for the ops in PREFIXES.

Cases are tiny (SwiftShader is slow and the files are committed) but cover
each attribute combination and both code paths of the row reductions: the
`-long` cases have few rows of 512 or more elements, which get a workgroup
each (reduce.ts planRows); the others a thread per row. Row lengths and
element counts are chosen not to divide the workgroup sizes.

Inputs are listed in node-input order; `batched` names those whose axis
`batchAxis` is the symbolic batch N. A case marked `batchDependent` mixes
samples (batch statistics, softmax over the batch, N off axis 0), so its
expectation cannot be sliced to a smaller batch: the test runs it at the
stored batch only, and a second case at another batch size covers dynamic N.
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
PREFIXES = (
    "unary-", "binary-", "elementwise-", "softmax-", "reduce-", "permute-", "concat-",
    "batchnorm-", "batch_renorm-", "instancenorm-", "groupnorm-", "layernorm-", "scalenorm-",
    "batch_instance_norm-", "switchable_norm-", "channel_affine-", "multihead_attention-",
)



def rand(*shape, scale=1.0):
    return torch.randn(shape, dtype=torch.float32) * scale


def positive(*shape):
    return torch.rand(shape, dtype=torch.float32) * 3.0 + 0.05


def case(name, op, attrs, named_inputs, y, batched=("x",), batch_axis=0, tolerance=1e-4, batch_dependent=False):
    """named_inputs: list of (name, tensor) in node-input order; y the expected result."""
    spec = {
        "op": op,
        "attrs": attrs,
        "inputs": [n for n, _ in named_inputs],
        "batchAxis": batch_axis if batched else None,
        "expected": "y",
        "tolerance": tolerance,
    }
    if batched:
        spec["batched"] = list(batched)
    if batch_dependent:
        spec["batchDependent"] = True
    tensors = dict(named_inputs)
    tensors["y"] = y.detach().contiguous()
    write_case(ROOT, name, spec, tensors)


# ------------------------------------------------------------------ pointwise


def unary_cases():
    seeded(1)
    # Wide range: sigmoid/tanh/gelu tails and the tanh clamp all matter.
    wide = torch.cat([rand(3, 30, scale=3.0), torch.tensor([-40.0, -12.0, -6.0, 6.0, 12.0, 40.0, 0.0]).repeat(3, 1)], 1)
    fns = {
        "relu": ({}, wide),
        "leaky_relu": ({"alpha": 0.2}, wide),
        "gelu": ({}, wide),
        "gelu_tanh": ({}, wide),
        "silu": ({}, wide),
        "sigmoid": ({}, wide),
        "tanh": ({}, wide),
        "neg": ({}, wide),
        "exp": ({}, rand(3, 37, scale=2.0)),
        "log": ({}, positive(3, 37)),
        "sqrt": ({}, positive(3, 37)),
        "rsqrt": ({}, positive(3, 37)),
        "abs": ({}, wide),
        "square": ({}, wide),
        "affine": ({"alpha": -1.5, "beta": 0.25}, wide),
    }
    for fn, (extra, x) in fns.items():
        y = UNARY[fn](x, extra.get("alpha"), extra.get("beta"))
        # gelu's erf must be accurate to ~1e-6 absolute, not just 1e-4 relative.
        tolerance = 2e-6 if fn == "gelu" else 1e-4
        case(f"unary-{fn}", "unary", {"fn": fn, **extra}, [("x", x)], y, tolerance=tolerance)
    x = rand(2, 3, 5)
    case("unary-leaky_relu-default-fixed", "unary", {"fn": "leaky_relu"}, [("x", x)], F.leaky_relu(x), batched=())


def binary_cases():
    seeded(2)
    # (name, fn, a shape, b shape, which operands carry N)
    layouts = [
        ("add-same", "add", (3, 4, 5), (3, 4, 5), ("a", "b")),
        ("mul-channel", "mul", (2, 4, 5, 6), (4, 1, 1), ("a",)),
        ("sub-scalar", "sub", (3, 7), (), ("a",)),
        ("div-both-broadcast", "div", (3, 1, 6), (5, 6), ("a",)),
        ("max-last", "max", (2, 3, 9), (9,), ("a",)),
        ("min-lower-rank", "min", (2, 5, 3), (5, 1), ("a",)),
        ("sub-broadcast-first", "sub", (4, 1, 1), (3, 4, 5, 2), ("b",)),
        ("add-batch-broadcast", "add", (3, 1, 5), (1, 4, 1), ("a",)),
        ("mul-fixed", "mul", (2, 3, 1), (1, 3, 4), ()),
    ]
    for name, fn, sa, sb, batched in layouts:
        a = rand(*sa)
        b = rand(*sb)
        if fn == "div":
            b = b.sign() * (b.abs() + 0.5)
        case(f"binary-{name}", "binary", {"fn": fn}, [("a", a), ("b", b)], BINARY[fn](a, b), batched=batched)


def apply_epilogue(y, steps, inputs):
    for s in steps:
        if s["kind"] == "unary":
            y = UNARY[s["fn"]](y, s.get("alpha"), s.get("beta"))
        else:
            other = inputs[s["operand"]]
            y = BINARY[s["fn"]](other, y) if s.get("operandFirst") else BINARY[s["fn"]](y, other)
    return y


def elementwise_cases():
    seeded(3)
    chains = {
        "unary-chain": [{"kind": "unary", "fn": "gelu"}, {"kind": "unary", "fn": "affine", "alpha": 2.0, "beta": -1.0}],
        "residual": [
            {"kind": "unary", "fn": "silu"},
            {"kind": "binary", "fn": "add", "operand": 1},
            {"kind": "unary", "fn": "tanh"},
        ],
        "operand-first": [
            {"kind": "binary", "fn": "sub", "operand": 1, "operandFirst": True},
            {"kind": "binary", "fn": "div", "operand": 2, "operandFirst": True},
            {"kind": "unary", "fn": "leaky_relu", "alpha": 0.1},
        ],
    }
    for name, steps in chains.items():
        operands = max([s.get("operand", 0) for s in steps])
        inputs = [rand(3, 5, 7)]
        for _ in range(operands):
            inputs.append(rand(3, 5, 7).sign() * (rand(3, 5, 7).abs() + 0.5))
        y = apply_epilogue(inputs[0], steps, inputs)
        names = ["x"] + [f"operand{i}" for i in range(1, len(inputs))]
        case(f"elementwise-{name}", "elementwise", {"epilogue": steps}, list(zip(names, inputs)), y, batched=names)


# ------------------------------------------------------------------ softmax and reductions


def softmax_cases():
    seeded(4)
    x = rand(3, 10, scale=30.0)  # large logits: only max subtraction keeps exp finite
    for log in (False, True):
        kind = "log" if log else "plain"
        f = F.log_softmax if log else F.softmax
        case(f"softmax-{kind}-last", "softmax", {"axis": -1, "log": log}, [("x", x)], f(x, -1))
        x3 = rand(2, 5, 4, scale=5.0)
        case(f"softmax-{kind}-middle", "softmax", {"axis": 1, "log": log}, [("x", x3)], f(x3, 1))
        long = rand(2, 1, 520, scale=8.0)
        case(f"softmax-{kind}-long", "softmax", {"axis": 2, "log": log}, [("x", long)], f(long, 2))
    for batch in (3, 2):
        xb = rand(batch, 4, 3, scale=4.0)
        case(f"softmax-batch-axis-n{batch}", "softmax", {"axis": 0, "log": False}, [("x", xb)], F.softmax(xb, 0),
             batch_dependent=True)


def reduce_cases():
    seeded(5)
    torch_fn = {
        "sum": lambda x, axes, keep: x.sum(dim=axes, keepdim=keep),
        "mean": lambda x, axes, keep: x.mean(dim=axes, keepdim=keep),
        "max": lambda x, axes, keep: x.amax(dim=axes, keepdim=keep),
    }
    layouts = [
        ("sum-last-keep", "sum", (3, 4, 9), [-1], True),
        ("mean-spatial-keep", "mean", (2, 3, 5, 7), [2, 3], True),
        ("max-middle", "max", (3, 6, 5), [1], False),
        ("sum-apart", "sum", (2, 3, 4, 5), [1, 3], False),
        ("mean-long", "mean", (2, 1, 2100), [2], False),
        ("max-long-strided", "max", (2, 520, 2), [1], True),
        ("sum-none", "sum", (2, 3), [], False),
    ]
    for name, fn, shape, axes, keep in layouts:
        x = rand(*shape)
        y = x.clone() if not axes else torch_fn[fn](x, axes, keep)
        case(f"reduce-{name}", "reduce", {"fn": fn, "axes": axes, "keepDims": keep}, [("x", x)], y)
    # Reducing over the batch axis: N sits off axis 0 so that the result still has it first.
    for batch in (3, 2):
        x = rand(4, batch, 5)
        case(f"reduce-mean-over-axis0-n{batch}", "reduce", {"fn": "mean", "axes": [0], "keepDims": False}, [("x", x)],
             x.mean(0), batch_axis=1, batch_dependent=True)
    x = rand(40, 3)
    case("reduce-sum-all-fixed", "reduce", {"fn": "sum", "axes": [0, 1], "keepDims": False}, [("x", x)], x.sum(),
         batched=())


# ------------------------------------------------------------------ layout


def layout_cases():
    seeded(6)
    x = rand(2, 3, 4, 5)
    case("permute-nchw-nhwc", "permute", {"perm": [0, 2, 3, 1]}, [("x", x)], x.permute(0, 2, 3, 1))
    x = rand(3, 4, 6)
    case("permute-transpose-last", "permute", {"perm": [0, 2, 1]}, [("x", x)], x.permute(0, 2, 1))
    x = rand(2, 1, 3, 5)
    case("permute-size-one", "permute", {"perm": [0, 3, 1, 2]}, [("x", x)], x.permute(0, 3, 1, 2))
    x = rand(4, 3, 5)
    case("permute-batch-to-front", "permute", {"perm": [1, 0, 2]}, [("x", x)], x.permute(1, 0, 2), batch_axis=1,
         batch_dependent=True)
    x = rand(2, 3, 4)
    case("permute-reverse-fixed", "permute", {"perm": [2, 1, 0]}, [("x", x)], x.permute(2, 1, 0), batched=())

    a, b = rand(3, 2, 3), rand(3, 4, 3)
    case("concat-channels", "concat", {"axis": 1}, [("a", a), ("b", b)], torch.cat([a, b], 1), batched=("a", "b"))
    a, b, c = rand(2, 3, 1), rand(2, 3, 5), rand(2, 3, 2)
    case("concat-last-three", "concat", {"axis": -1}, [("a", a), ("b", b), ("c", c)], torch.cat([a, b, c], -1),
         batched=("a", "b", "c"))
    a, b = rand(2, 3, 2, 4), rand(2, 3, 3, 4)
    case("concat-rows", "concat", {"axis": 2}, [("a", a), ("b", b)], torch.cat([a, b], 2), batched=("a", "b"))
    a, b = rand(2, 5), rand(3, 5)
    case("concat-axis0-fixed", "concat", {"axis": 0}, [("a", a), ("b", b)], torch.cat([a, b], 0), batched=())


# ------------------------------------------------------------------ normalisation


def channel_params(c):
    weight = rand(c) * 0.5 + 1.0
    bias = rand(c) * 0.5
    mean = rand(c)
    var = positive(c)
    return weight, bias, mean, var


def norm_inputs(x, weight, bias, mean, var, affine, tracked):
    inputs = [("x", x)]
    if affine:
        inputs += [("weight", weight), ("bias", bias)]
    if tracked:
        inputs += [("running_mean", mean), ("running_var", var)]
    return inputs


def batchnorm_cases():
    seeded(7)
    modules = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d}
    layouts = [
        ("running-2d", (3, 4, 5, 3), True, True),
        ("running-no-affine", (3, 4, 5, 3), False, True),
        ("running-1d-features", (5, 6), True, True),
        ("running-1d-sequence", (2, 3, 7), True, True),
        ("batch-stats-2d", (3, 4, 5, 3), True, False),
        ("batch-stats-no-affine", (2, 3, 6), False, False),
        ("batch-stats-long", (4, 2, 9, 9), True, False),
        ("batch-stats-features", (5, 6), True, False),
    ]
    for name, shape, affine, tracked in layouts:
        for batch in ((shape[0], shape[0] + 1) if not tracked else (shape[0],)):
            c = shape[1]
            x = rand(batch, *shape[1:]) * 2.0 + 0.5
            m = modules[len(shape)](c, eps=1e-3, affine=affine, track_running_stats=tracked)
            weight, bias, mean, var = channel_params(c)
            with torch.no_grad():
                if affine:
                    m.weight.copy_(weight)
                    m.bias.copy_(bias)
                if tracked:
                    m.running_mean.copy_(mean)
                    m.running_var.copy_(var)
            y = m.eval()(x)
            suffix = "" if tracked else f"-n{batch}"
            case(f"batchnorm-{name}{suffix}", "batchnorm",
                 {"eps": 1e-3, "momentum": 0.1, "affine": affine, "trackRunningStats": tracked},
                 norm_inputs(x, weight, bias, mean, var, affine, tracked), y, batch_dependent=not tracked)


def batch_renorm_cases():
    """At eval, batch renormalisation uses the running statistics exactly like batchnorm
    (Ioffe 2017; torchrl BatchRenorm1d: (x - running_mean) / sqrt(running_var + eps) * weight + bias)."""
    seeded(8)
    for name, shape in [("2d", (2, 3, 4, 5)), ("1d", (4, 5))]:
        c = shape[1]
        x = rand(*shape)
        weight, bias, mean, var = channel_params(c)
        y = F.batch_norm(x, mean, var, weight, bias, training=False, eps=1e-5)
        case(f"batch_renorm-{name}", "batch_renorm", {"eps": 1e-5, "momentum": 0.01, "rMax": 3.0, "dMax": 5.0},
             norm_inputs(x, weight, bias, mean, var, True, True), y)


def instancenorm_cases():
    seeded(9)
    modules = {3: torch.nn.InstanceNorm1d, 4: torch.nn.InstanceNorm2d}
    layouts = [
        ("affine-2d", (3, 4, 5, 3), True, False),
        ("plain-1d", (2, 3, 7), False, False),
        ("long-2d", (2, 2, 23, 23), True, False),
        ("running-2d", (2, 4, 3, 3), True, True),
        ("running-no-affine-1d", (3, 2, 5), False, True),
    ]
    for name, shape, affine, tracked in layouts:
        c = shape[1]
        x = rand(*shape) * 3.0 - 1.0
        m = modules[len(shape)](c, eps=1e-5, affine=affine, track_running_stats=tracked)
        weight, bias, mean, var = channel_params(c)
        with torch.no_grad():
            if affine:
                m.weight.copy_(weight)
                m.bias.copy_(bias)
            if tracked:
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
        y = m.eval()(x)
        case(f"instancenorm-{name}", "instancenorm",
             {"eps": 1e-5, "momentum": 0.1, "affine": affine, "trackRunningStats": tracked},
             norm_inputs(x, weight, bias, mean, var, affine, tracked), y)


def groupnorm_cases():
    seeded(10)
    layouts = [
        ("two-groups-2d", (3, 6, 4, 3), 2, True),
        ("per-channel-1d", (2, 4, 5), 4, True),
        ("one-group-plain", (2, 5, 3, 2), 1, False),
        ("long", (2, 4, 16, 16), 2, True),
        ("features-only", (3, 6), 3, True),
    ]
    for name, shape, groups, affine in layouts:
        c = shape[1]
        x = rand(*shape) * 2.0 + 1.0
        m = torch.nn.GroupNorm(groups, c, eps=1e-5, affine=affine)
        weight, bias, _, _ = channel_params(c)
        with torch.no_grad():
            if affine:
                m.weight.copy_(weight)
                m.bias.copy_(bias)
        y = m.eval()(x)
        inputs = [("x", x)] + ([("weight", weight), ("bias", bias)] if affine else [])
        case(f"groupnorm-{name}", "groupnorm", {"groups": groups, "eps": 1e-5, "affine": affine}, inputs, y)


def layernorm_cases():
    seeded(11)
    layouts = [
        ("last", (3, 7, 10), 1, True),
        ("two-dims", (2, 3, 4, 5), 2, True),
        ("plain", (3, 4, 6), 1, False),
        ("long", (2, 1, 520), 1, True),
        ("all-but-batch", (3, 40), 1, True),
    ]
    for name, shape, dims, affine in layouts:
        normalized = shape[len(shape) - dims:]
        x = rand(*shape) * 2.0 + 3.0  # an offset mean: two-pass variance matters
        m = torch.nn.LayerNorm(normalized, eps=1e-5, elementwise_affine=affine)
        weight = rand(*normalized) * 0.5 + 1.0
        bias = rand(*normalized) * 0.5
        with torch.no_grad():
            if affine:
                m.weight.copy_(weight)
                m.bias.copy_(bias)
        y = m.eval()(x)
        inputs = [("x", x)] + ([("weight", weight), ("bias", bias)] if affine else [])
        case(f"layernorm-{name}", "layernorm", {"dims": dims, "eps": 1e-5, "affine": affine}, inputs, y)


def scalenorm(x, g, axes, eps):
    """ScaleNorm (Nguyen & Salazar 2019): g * x / max(||x||_2, eps) over `axes`."""
    norm = torch.linalg.vector_norm(x, dim=axes, keepdim=True).clamp(min=eps)
    return g * x / norm


def scalenorm_cases():
    seeded(12)
    layouts = [
        ("last", (3, 5, 16), [-1]),
        ("long", (2, 1, 520), [-1]),
        ("middle", (2, 6, 4), [1]),
        ("two-axes", (2, 3, 4, 5), [2, 3]),
    ]
    for name, shape, axes in layouts:
        x = rand(*shape)
        if name == "last":
            x[1, 2] = 0.0  # an all-zero row: the eps clamp, not a division by zero
        g = torch.tensor(math.sqrt(shape[-1]) * 0.8)
        case(f"scalenorm-{name}", "scalenorm", {"eps": 1e-5, "axes": axes}, [("x", x), ("g", g)],
             scalenorm(x, g, axes, 1e-5))


def batch_instance_norm(x, weight, bias, rho, running_mean, running_var, eps):
    """Nam & Kim 2018 at eval (hyeonseobnam/Batch-Instance-Normalization, BatchInstanceNorm2d):
        y = weight * (rho * BN(x) + (1 - rho) * IN(x)) + bias,
    BN with the running statistics, IN with each sample's per-channel mean and biased variance.
    rho is clipped to [0, 1], as the reference training step keeps it."""
    rho = rho.clamp(0.0, 1.0)
    shape = [1, -1] + [1] * (x.dim() - 2)
    bn = F.batch_norm(x, running_mean, running_var, None, None, training=False, eps=eps)
    inn = F.instance_norm(x, eps=eps)
    return weight.view(shape) * (rho.view(shape) * bn + (1 - rho.view(shape)) * inn) + bias.view(shape)


def batch_instance_norm_cases():
    seeded(13)
    for name, shape in [("2d", (3, 4, 5, 3)), ("1d-long", (2, 2, 520))]:
        c = shape[1]
        x = rand(*shape) * 2.0 + 0.5
        weight, bias, mean, var = channel_params(c)
        rho = torch.linspace(-0.2, 1.3, c)  # includes values the clip brings back to 0 and 1
        y = batch_instance_norm(x, weight, bias, rho, mean, var, 1e-5)
        inputs = [("x", x), ("weight", weight), ("bias", bias), ("rho", rho), ("running_mean", mean), ("running_var", var)]
        case(f"batch_instance_norm-{name}", "batch_instance_norm", {"eps": 1e-5, "momentum": 0.1}, inputs, y)


def switchable_norm(x, weight, bias, mean_weight, var_weight, running_mean, running_var, eps):
    """Luo et al. 2018 at eval (switchablenorms/Switchable-Normalization, SwitchNorm2d):
        wm = softmax(mean_weight), wv = softmax(var_weight), ordered (IN, LN, BN)
        mean = wm0 * mean_in + wm1 * mean_ln + wm2 * running_mean
        var  = wv0 * var_in  + wv1 * var_ln  + wv2 * running_var
        y    = (x - mean) / sqrt(var + eps) * weight + bias
    IN statistics per sample and channel, LN statistics per sample over channels and positions.
    All variances are biased (the reference code's var_in is unbiased; we keep the convention
    of every other normaliser, under which var_ln is the plain variance of the sample)."""
    n, c = x.shape[:2]
    flat = x.reshape(n, c, -1)
    mean_in = flat.mean(-1, keepdim=True)
    var_in = flat.var(-1, keepdim=True, unbiased=False)
    mean_ln = flat.reshape(n, -1).mean(-1).view(n, 1, 1)
    var_ln = flat.reshape(n, -1).var(-1, unbiased=False).view(n, 1, 1)
    wm = torch.softmax(mean_weight, 0)
    wv = torch.softmax(var_weight, 0)
    mean = wm[0] * mean_in + wm[1] * mean_ln + wm[2] * running_mean.view(1, c, 1)
    var = wv[0] * var_in + wv[1] * var_ln + wv[2] * running_var.view(1, c, 1)
    y = (flat - mean) / (var + eps).sqrt() * weight.view(1, c, 1) + bias.view(1, c, 1)
    return y.reshape(x.shape)


def switchable_norm_cases():
    seeded(14)
    for name, shape in [("2d", (3, 4, 5, 3)), ("1d", (2, 5, 6)), ("long-2d", (2, 2, 23, 23))]:
        c = shape[1]
        x = rand(*shape) * 2.0 + 1.0
        weight, bias, mean, var = channel_params(c)
        mean_weight = torch.tensor([0.3, -0.5, 1.2])
        var_weight = torch.tensor([-0.4, 0.9, 0.1])
        y = switchable_norm(x, weight, bias, mean_weight, var_weight, mean, var, 1e-5)
        inputs = [("x", x), ("weight", weight), ("bias", bias), ("mean_weight", mean_weight),
                  ("var_weight", var_weight), ("running_mean", mean), ("running_var", var)]
        case(f"switchable_norm-{name}", "switchable_norm", {"eps": 1e-5, "momentum": 0.003}, inputs, y)


def channel_affine_cases():
    seeded(15)
    layouts = [
        ("channels-2d", (3, 4, 5, 3), 1, []),
        ("features", (4, 6), 1, [{"kind": "unary", "fn": "relu"}]),
        ("last-axis", (2, 3, 7), -1, [{"kind": "unary", "fn": "gelu"}]),
        ("residual", (2, 3, 4, 5), 1,
         [{"kind": "binary", "fn": "add", "operand": 3}, {"kind": "unary", "fn": "relu"}]),
    ]
    for name, shape, axis, steps in layouts:
        x = rand(*shape)
        c = shape[axis]
        scale, shift = rand(c), rand(c)
        view = [1] * len(shape)
        view[axis] = c
        y = x * scale.view(view) + shift.view(view)
        inputs = [("x", x), ("scale", scale), ("shift", shift)]
        batched = ["x"]
        if any(s["kind"] == "binary" for s in steps):
            inputs.append(("residual", rand(*shape)))
            batched.append("residual")
        y = apply_epilogue(y, steps, [t for _, t in inputs])
        case(f"channel_affine-{name}", "channel_affine", {"axis": axis, "epilogue": steps}, inputs, y, batched=batched)


# ------------------------------------------------------------------ attention


def attention_cases():
    seeded(16)
    # Head sizes 4 and 24 take the vec4 path (4 and 2 queries per thread), 6 the scalar one;
    # lengths leave partial query blocks.
    layouts = [
        ("two-heads", 3, 5, 8, 2, True),
        ("three-heads-no-bias", 2, 7, 12, 3, False),
        ("one-head", 2, 4, 6, 1, True),
        ("wide-head", 2, 5, 24, 1, True),
    ]
    for name, batch, length, embed, heads, bias in layouts:
        m = torch.nn.MultiheadAttention(embed, heads, bias=bias, batch_first=True).eval()
        with torch.no_grad():
            for p in m.parameters():
                p.copy_(rand(*p.shape) * 0.5)
        x = rand(batch, length, embed)
        with torch.no_grad():
            y, _ = m(x, x, x, need_weights=False)
        state = m.state_dict()
        names = ["in_proj_weight"] + (["in_proj_bias"] if bias else []) + ["out_proj.weight"] + (["out_proj.bias"] if bias else [])
        inputs = [("x", x)] + [(n, state[n]) for n in names]
        case(f"multihead_attention-{name}", "multihead_attention", {"heads": heads, "dropout": 0.0}, inputs, y)


def main():
    os.makedirs(ROOT, exist_ok=True)
    for entry in os.listdir(ROOT):
        if entry.startswith(PREFIXES):
            shutil.rmtree(os.path.join(ROOT, entry))
    unary_cases()
    binary_cases()
    elementwise_cases()
    softmax_cases()
    reduce_cases()
    layout_cases()
    batchnorm_cases()
    batch_renorm_cases()
    instancenorm_cases()
    groupnorm_cases()
    layernorm_cases()
    scalenorm_cases()
    batch_instance_norm_cases()
    switchable_norm_cases()
    channel_affine_cases()
    attention_cases()


if __name__ == "__main__":
    main()
