"""Golden initial-weight distributions: what torch draws every stored tensor of each layer from.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/init_stats.py
It rewrites tests/golden/init/:

    formulas.json   for a few weight shapes, torch's fan_in and fan_out and the exact parameter of
                    every initialiser `init=` names and of the Linear/Conv defaults (weight and bias)
    <case>.json     one layer: `spec`, a whole .reg file with that layer labelled `layer`, and for
                    each tensor it stores, under its state_dict name, `shape` and `dist`

`dist` is one of
    {"kind": "uniform", "bound": b}       U(-b, b)
    {"kind": "normal", "std": s}          N(0, s^2)
    {"kind": "orthogonal", "gain": g}     g times a matrix [rows, numel / rows] with orthonormal
                                          rows (rows <= cols) or columns
    {"kind": "constant", "value": v}      every value v
    {"kind": "unit_vector"}               a normal vector divided by its norm (spectral_norm's u, v)
    {"kind": "norm_of", "tensor": t, "dim": d}   ||t|| over every dimension but d (weight_g)

The parameters are the arguments torch itself passes: Tensor.uniform_, normal_, fill_, zero_
and nn.init.orthogonal_ are wrapped while each module is built and initialised, and a tensor's
last call is its distribution. Each recorded distribution is then
checked against the values torch drew, so a misread call fails here rather than in a test.

Layers without a torch module (batch_renorm, batch_instance_norm, switchable_norm, scalenorm)
take their constants from the reference code docs/language.md names; their cases say so in
`source`. For an `init=` choice the torch side is what a user writes: the module, then
nn.init.<choice>_ on its weight (both projection weights of MultiheadAttention), before
weight_norm or spectral_norm is applied.
"""
import json
import math
import os

import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm, weight_norm

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ROOT = os.path.join(REPO, "tests", "golden", "init")

CHOICES = ["kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "orthogonal", "zeros"]

calls = {}
_uniform = torch.Tensor.uniform_
_normal = torch.Tensor.normal_
_orthogonal = nn.init.orthogonal_
_fill = torch.Tensor.fill_
_zero = torch.Tensor.zero_


def _record_uniform(self, a=0.0, b=1.0, *, generator=None):
    calls[self.data_ptr()] = ("uniform", a, b)
    return _uniform(self, a, b, generator=generator)


def _record_normal(self, mean=0.0, std=1.0, *, generator=None):
    calls[self.data_ptr()] = ("normal", mean, std)
    return _normal(self, mean, std, generator=generator)


def _record_fill(self, value):
    calls[self.data_ptr()] = ("constant", float(value))
    return _fill(self, value)


def _record_zero(self):
    calls[self.data_ptr()] = ("constant", 0.0)
    return _zero(self)


def _record_orthogonal(tensor, gain=1):
    out = _orthogonal(tensor, gain)
    calls[tensor.data_ptr()] = ("orthogonal", gain)
    return out


torch.Tensor.uniform_ = _record_uniform
torch.Tensor.normal_ = _record_normal
nn.init.orthogonal_ = _record_orthogonal
torch.Tensor.fill_ = _record_fill
torch.Tensor.zero_ = _record_zero


def fresh():
    """Forgets the calls so far: a freed tensor's storage may be reused by the next one."""
    calls.clear()


def dist_of(t):
    """The distribution torch drew `t` from: the last call recorded on its storage."""
    call = calls.get(t.data_ptr())
    if call is None:
        raise ValueError("no initialiser was recorded for a tensor of shape %s" % list(t.shape))
    if call[0] == "constant":
        return {"kind": "constant", "value": call[1]}
    if call[0] == "uniform":
        assert call[1] == -call[2], call
        return {"kind": "uniform", "bound": float(call[2])}
    if call[0] == "normal":
        assert call[1] == 0, call
        return {"kind": "normal", "std": float(call[2])}
    return {"kind": "orthogonal", "gain": float(call[1])}


def check_values(t, dist, name):
    """torch's own draw agrees with the recorded distribution (loosely, and its spread only in 100 values or more)."""
    x = t.detach().double().flatten()
    kind = dist["kind"]
    many = x.numel() >= 100
    if kind == "uniform":
        assert x.abs().max() <= dist["bound"], name
        assert not many or abs(float(x.var(unbiased=False)) / (dist["bound"] ** 2 / 3) - 1) < 0.5, name
    elif kind == "normal":
        assert not many or abs(float(x.std()) / dist["std"] - 1) < 0.5, name
    elif kind == "orthogonal":
        m = t.detach().double().reshape(t.shape[0], -1)
        g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        assert torch.allclose(g, dist["gain"] ** 2 * torch.eye(g.shape[0], dtype=torch.float64), atol=1e-5), name
    elif kind == "constant":
        assert bool((x == dist["value"]).all()), name
    elif kind == "unit_vector":
        assert abs(float(x.norm()) - 1) < 1e-5, name


def module_tensors(module, prefix, overrides=None):
    """state_dict name -> {shape, dist} for every tensor of `module`, named as regc names them."""
    overrides = overrides or {}
    out = {}
    for key, t in module.state_dict(keep_vars=True).items():
        name = "%s.%s" % (prefix, key)
        dist = overrides[key] if key in overrides else dist_of(t.detach())
        check_values(t, dist, name)
        out[name] = {"shape": list(t.shape), "dist": dist}
    return out


def apply_init(tensor, choice):
    getattr(nn.init, choice + "_")(tensor)


def spec(input_type, layer):
    return "model M {\n  input x: f32[%s]\n  output y\n  layer: %s\n}\n" % (input_type, layer)


def with_init(args, choice):
    return args if choice is None else (args + ", " if args else "") + "init=" + choice


def call(op, args):
    return "%s(%s)" % (op, args) if args else op


CASES = []


def case(name, about, input_type, layer, tensors, source="torch"):
    CASES.append({"name": name, "about": about, "spec": spec(input_type, layer), "source": source, "tensors": tensors})


def weighted_cases():
    # (name, input type, op, regc arguments, torch module builder, weight attribute names)
    layers = [
        ("linear", "N, 48", "linear", "64", lambda: nn.Linear(48, 64), ["weight"]),
        ("linear-wide", "N, 40", "linear", "12, bias=false", lambda: nn.Linear(40, 12, bias=False), ["weight"]),
        ("conv1d", "N, 6, 20", "conv1d", "16, 5", lambda: nn.Conv1d(6, 16, 5), ["weight"]),
        ("conv2d-groups", "N, 8, 9, 9", "conv2d", "24, 3, groups=4", lambda: nn.Conv2d(8, 24, 3, groups=4), ["weight"]),
        ("conv2d-depthwise", "N, 16, 9, 9", "conv2d", "32, [3, 5], groups=16", lambda: nn.Conv2d(16, 32, (3, 5), groups=16), ["weight"]),
        (
            "attention",
            "N, 5, 32",
            "multihead_attention",
            "heads=4",
            lambda: nn.MultiheadAttention(32, 4, batch_first=True),
            ["in_proj_weight", "out_proj.weight"],
        ),
    ]
    for name, input_type, op, args, build, weights in layers:
        for choice in [None] + CHOICES:
            fresh()
            torch.manual_seed(0)
            m = build()
            if choice is not None:
                for w in weights:
                    apply_init(m.get_parameter(w), choice)
            about = "%s %s" % ("torch's default for" if choice is None else "init=%s on" % choice, name)
            case("%s-%s" % (name, choice or "default"), about, input_type, call(op, with_init(args, choice)), module_tensors(m, "layer"))


def reparameterised_cases():
    for choice in [None, "orthogonal", "kaiming_normal"]:
        fresh()
        torch.manual_seed(0)
        m = nn.Linear(20, 30)
        if choice is not None:
            apply_init(m.weight, choice)
        m = weight_norm(m, dim=0)
        overrides = {"weight_g": {"kind": "norm_of", "tensor": "layer.weight_v", "dim": 0}}
        g = m.weight_g.detach().flatten()
        assert torch.allclose(g, m.weight_v.detach().norm(dim=1)), "weight_g is ||weight_v|| per row"
        case(
            "weightnorm-%s" % (choice or "default"),
            "weight_norm(dim=0) of a Linear with %s: v is the initialised weight, g its row norms" % (choice or "torch's default"),
            "N, 20",
            call("linear", with_init("30", choice)) + " with weightnorm",
            module_tensors(m, "layer", overrides),
        )
    for choice in [None, "xavier_uniform"]:
        fresh()
        torch.manual_seed(0)
        m = nn.Conv2d(4, 6, 3)
        if choice is not None:
            apply_init(m.weight, choice)
        m = spectral_norm(m)
        unit = {"kind": "unit_vector"}
        case(
            "spectralnorm-%s" % (choice or "default"),
            "spectral_norm of a Conv2d with %s: weight_orig is the initialised weight, u and v normal then normalised"
            % (choice or "torch's default"),
            "N, 4, 7, 7",
            call("conv2d", with_init("6, 3", choice)) + " with spectralnorm",
            module_tensors(m, "layer", {"weight_u": unit, "weight_v": unit}),
        )


def constants(prefix, shapes_and_values):
    return {"%s.%s" % (prefix, k): {"shape": s, "dist": {"kind": "constant", "value": v}} for k, (s, v) in shapes_and_values.items()}


def norm_cases():
    torch_norms = [
        ("batchnorm2d", "N, 6, 4, 4", "batchnorm", lambda: nn.BatchNorm2d(6)),
        ("batchnorm1d", "N, 10", "batchnorm", lambda: nn.BatchNorm1d(10)),
        (
            "instancenorm-affine",
            "N, 6, 4, 4",
            "instancenorm(affine=true, track_running_stats=true)",
            lambda: nn.InstanceNorm2d(6, affine=True, track_running_stats=True),
        ),
        ("layernorm", "N, 5, 8", "layernorm(dims=2)", lambda: nn.LayerNorm([5, 8])),
        ("groupnorm", "N, 6, 4, 4", "groupnorm(2)", lambda: nn.GroupNorm(2, 6)),
    ]
    for name, input_type, layer, build in torch_norms:
        fresh()
        module = build()
        case(name, "torch's initial %s" % type(module).__name__, input_type, layer, module_tensors(module, "layer"))
    stats = lambda c: {"running_mean": ([c], 0.0), "running_var": ([c], 1.0), "num_batches_tracked": ([], 0.0)}
    affine = lambda c: {"weight": ([c], 1.0), "bias": ([c], 0.0)}
    case(
        "batch_renorm",
        "batch renormalisation (Ioffe 2017) as torchrl.modules.BatchRenorm1d initialises it",
        "N, 6, 4, 4",
        "batch_renorm",
        constants("layer", {**affine(6), **stats(6)}),
        source="torchrl.modules.BatchRenorm1d",
    )
    for rho, layer in [(1.0, "batch_instance_norm"), (0.25, "batch_instance_norm(rho=0.25)")]:
        case(
            "batch_instance_norm-rho%s" % rho,
            "batch-instance norm (Nam & Kim 2018): rho starts at the layer's `rho`, 1 in the reference code",
            "N, 6, 4, 4",
            layer,
            constants("layer", {**affine(6), "rho": ([6], rho), **stats(6)}),
            source="Nam & Kim 2018, reference code",
        )
    case(
        "switchable_norm",
        "switchable norm (Luo et al. 2018): ones for both sets of importance weights, as the reference code",
        "N, 6, 4, 4",
        "switchable_norm",
        constants("layer", {**affine(6), "mean_weight": ([3], 1.0), "var_weight": ([3], 1.0), **stats(6)}),
        source="Luo et al. 2018, reference code",
    )
    for g, layer in [(math.sqrt(16), "scalenorm"), (2.5, "scalenorm(g=2.5)")]:
        case(
            "scalenorm-g%s" % g,
            "scale norm (Nguyen & Salazar 2019): g starts at sqrt(d) unless given",
            "N, 3, 16",
            layer,
            constants("layer", {"g": ([], g)}),
            source="Nguyen & Salazar 2019",
        )


FORMULA_SHAPES = [[7, 3], [64, 48], [40, 12], [16, 6, 5], [24, 2, 3, 3], [32, 1, 3, 5], [96, 32], [1, 1], [5, 1000]]


def formulas():
    out = []
    for shape in FORMULA_SHAPES:
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        entry = {"shape": shape, "fan_in": fan_in, "fan_out": fan_out, "init": {}}
        for choice in CHOICES:
            fresh()
            t = torch.empty(shape)
            apply_init(t, choice)
            entry["init"][choice] = dist_of(t)
        # What Linear and Conv reset_parameters pass, on tensors of these shapes.
        fresh()
        w = torch.empty(shape)
        nn.init.kaiming_uniform_(w, a=math.sqrt(5))
        entry["default_weight"] = dist_of(w)
        fresh()
        b = torch.empty(shape[0])
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(b, -bound, bound)
        entry["default_bias"] = dist_of(b)
        out.append(entry)
    return out


def write(name, data):
    with open(os.path.join(ROOT, name + ".json"), "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    os.makedirs(ROOT, exist_ok=True)
    for old in os.listdir(ROOT):
        if old.endswith(".json"):
            os.remove(os.path.join(ROOT, old))
    weighted_cases()
    reparameterised_cases()
    norm_cases()
    for c in CASES:
        write(c["name"], c)
    write("formulas", {"torch": torch.__version__, "shapes": formulas()})
    print("wrote %d cases and formulas.json to %s" % (len(CASES), os.path.relpath(ROOT, REPO)))


if __name__ == "__main__":
    main()
