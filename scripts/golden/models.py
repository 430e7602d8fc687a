"""Whole-model golden cases: a .reg spec, the same model built in torch, and its eval output.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/models.py
It rewrites every folder under tests/golden/models/.

Each case folder holds
    model.reg            the spec, self-contained
    weights.safetensors  the torch module's state_dict (num_batches_tracked as I64, the rest F32)
    io.safetensors       the input, named as the spec's input, and torch's eval output,
                         named as the spec's output
    case.json            {"family": "...", "tolerance": t, "notes": "..."}: the compiled bundle
                         must give |got - want| <= t + t * |want| everywhere

The torch module of a case is written so that its state_dict names are exactly the
spec's tensor names: a layer `c1: conv2d(...)` is the submodule `c1`, an unnamed
layer is `<op>_<k>` (k its index among the body's layer applications), a block
instance `layer1: repeat 2 Basic(..)` is `layer1.0`, `layer1.1`. Every parameter
and buffer is then randomised (running statistics too, variances positive), so that
no eval rewrite can pass by accident on torch's initial ones and zeros. Inputs hold
two or three samples, and no eval-mode model mixes samples, so the first sample
alone must give the first row of the output (the test checks batch 1 too).

Normalisers torch does not ship are written here by hand, following the op goldens
in ops_rest.py: ScaleNorm (Nguyen & Salazar 2019), batch-instance norm (Nam & Kim
2018) and switchable norm (Luo et al. 2018). batch_renorm at eval is batchnorm with
running statistics, so torch's BatchNorm is its reference.
"""
import json
import math
import os
import shutil
import sys
import zlib
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "models")
DEFAULT_TOLERANCE = 1e-4

CASES = []


def model_case(name, family, notes, tolerance=DEFAULT_TOLERANCE, adjust=None):
    """Registers a function returning (spec text, module, {input name: tensor}, output name).
    `family` groups cases in the test's error summary; `adjust(module)`, when given, runs
    after the random values are drawn, to pin the values a case is about."""
    def register(build):
        CASES.append({"name": name, "build": build, "family": family, "tolerance": tolerance, "notes": notes,
                      "adjust": adjust})
        return build
    return register


# ------------------------------------------------------------------ randomising


def uniform(shape, lo, hi):
    return torch.rand(shape) * (hi - lo) + lo


def randomise(module):
    """Gives every parameter and buffer a random value of a plausible size for its role."""
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "num_batches_tracked":
                t.fill_(int(torch.randint(1, 1000, ())))
            elif leaf == "running_var":
                t.copy_(uniform(t.shape, 0.25, 1.75))
            elif leaf == "running_mean":
                t.copy_(torch.randn(t.shape) * 0.5)
            elif leaf == "rho":
                t.copy_(uniform(t.shape, 0.05, 0.95))
            elif leaf == "g":
                t.copy_(uniform(t.shape, 1.0, 4.0))
            elif leaf == "weight_g":
                t.copy_(uniform(t.shape, 0.5, 1.5))
            elif leaf in ("mean_weight", "var_weight"):
                t.copy_(torch.randn(t.shape))
            elif t.dim() >= 2:
                fan_in = t.numel() // t.shape[0]
                t.copy_(torch.randn(t.shape) / math.sqrt(fan_in))
            elif leaf == "weight":
                t.copy_(1.0 + 0.3 * torch.randn(t.shape))  # a normaliser's scale
            else:
                t.copy_(0.3 * torch.randn(t.shape))
        for sub in module.modules():
            if hasattr(sub, "weight_orig"):
                spectral_vectors(sub)


def spectral_vectors(layer):
    """Stored u, v of a spectral-normalised layer: one power-iteration step (torch's, with
    its eps) from a random unit u, as a trained layer would hold, so that sigma = u . W v
    is a fair estimate of the top singular value rather than a random, possibly tiny, dot."""
    w = layer.weight_orig.detach()
    m = w.reshape(w.shape[0], -1)
    u = F.normalize(torch.randn(m.shape[0]), dim=0, eps=1e-12)
    v = F.normalize(torch.mv(m.t(), u), dim=0, eps=1e-12)
    u = F.normalize(torch.mv(m, v), dim=0, eps=1e-12)
    layer.weight_u.copy_(u)
    layer.weight_v.copy_(v)


# ------------------------------------------------------------------ hand-written modules


class Lambda(nn.Module):
    """A parameterless step of a Sequential (activations, flatten, reshape)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def named(*layers):
    """nn.Sequential from (name, module) pairs; None names parameterless steps."""
    items = OrderedDict()
    for i, (name, layer) in enumerate(layers):
        items[name if name is not None else f"step{i}"] = layer
    return nn.Sequential(items)


class Normalize(nn.Module):
    """torchvision.transforms.Normalize as a graph step: (x - mean[c]) / std[c]."""

    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std

    def forward(self, x):
        shape = [1, -1] + [1] * (x.dim() - 2)
        return (x - torch.tensor(self.mean).view(shape)) / torch.tensor(self.std).view(shape)


class ScaleNorm(nn.Module):
    """Nguyen & Salazar 2019: g * x / max(||x||, eps) over the last dimension, one scalar g."""

    def __init__(self, eps=1e-5):
        super().__init__()
        self.g = nn.Parameter(torch.tensor(1.0))
        self.eps = eps

    def forward(self, x):
        return self.g * x / torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp(min=self.eps)


class BatchInstanceNorm(nn.Module):
    """Nam & Kim 2018 at eval: y = weight * (rho * BN(x) + (1 - rho) * IN(x)) + bias, BN with
    the running statistics, IN per sample and channel (biased variance), rho clipped to [0, 1]."""

    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.rho = nn.Parameter(torch.ones(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        shape = [1, -1] + [1] * (x.dim() - 2)
        rho = self.rho.clamp(0.0, 1.0).view(shape)
        bn = F.batch_norm(x, self.running_mean, self.running_var, None, None, training=False, eps=self.eps)
        inn = F.instance_norm(x, eps=self.eps)
        return self.weight.view(shape) * (rho * bn + (1 - rho) * inn) + self.bias.view(shape)


class SwitchNorm(nn.Module):
    """Luo et al. 2018 at eval: softmax(mean_weight) mixes the IN, LN and running BN means,
    softmax(var_weight) their variances (all biased), then a per-channel affine."""

    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.mean_weight = nn.Parameter(torch.ones(3))
        self.var_weight = nn.Parameter(torch.ones(3))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        n, c = x.shape[:2]
        flat = x.reshape(n, c, -1)
        mean_in = flat.mean(-1, keepdim=True)
        var_in = flat.var(-1, keepdim=True, unbiased=False)
        mean_ln = flat.reshape(n, -1).mean(-1).view(n, 1, 1)
        var_ln = flat.reshape(n, -1).var(-1, unbiased=False).view(n, 1, 1)
        wm = torch.softmax(self.mean_weight, 0)
        wv = torch.softmax(self.var_weight, 0)
        mean = wm[0] * mean_in + wm[1] * mean_ln + wm[2] * self.running_mean.view(1, c, 1)
        var = wv[0] * var_in + wv[1] * var_ln + wv[2] * self.running_var.view(1, c, 1)
        y = (flat - mean) / (var + self.eps).sqrt() * self.weight.view(1, c, 1) + self.bias.view(1, c, 1)
        return y.reshape(x.shape)


def relu():
    return Lambda(torch.relu)


def flatten(start=1):
    return Lambda(lambda x: torch.flatten(x, start))


# ------------------------------------------------------------------ cases


@model_case("mlp", "classifiers", notes="linear, relu and dropout (identity at eval)")
def mlp():
    spec = """\
model Mlp {
  input x: f32[N, 20]
  output y

  fc1: linear(32) -> relu
  dropout(0.2)
  fc2: linear(16) -> relu -> dropout(0.1)
  fc3: linear(5)
}
"""
    m = named(("fc1", nn.Linear(20, 32)), (None, relu()), ("fc2", nn.Linear(32, 16)), (None, relu()), ("fc3", nn.Linear(16, 5)))
    return spec, m, {"x": torch.randn(3, 20)}, "y"


@model_case("lenet-fashion", "classifiers", notes="the language sketch's Fashion model with 4 and 8 channels; images in [0, 1]")
def lenet_fashion():
    spec = """\
// The sketch's Fashion classifier, with fewer channels and features.
model Fashion {
  input image: f32[N, 1, 28, 28]
  output logits

  normalize(mean=[0.2860], std=[0.3530])

  c1: conv2d(4, kernel=3, padding=1)
  bn1: batchnorm(momentum=0.1, eps=1e-5)
  relu
  maxpool(2)

  c2: conv2d(8, kernel=3, padding=1) -> bn2: batchnorm -> relu -> maxpool(2)

  flatten
  dropout(0.5)
  fc1: linear(32) -> relu
  dropout(0.3)
  fc2: linear(10)
}
"""
    m = named(
        (None, Normalize([0.2860], [0.3530])),
        ("c1", nn.Conv2d(1, 4, 3, padding=1)), ("bn1", nn.BatchNorm2d(4)), (None, relu()), (None, nn.MaxPool2d(2)),
        ("c2", nn.Conv2d(4, 8, 3, padding=1)), ("bn2", nn.BatchNorm2d(8)), (None, relu()), (None, nn.MaxPool2d(2)),
        (None, flatten()),
        ("fc1", nn.Linear(8 * 7 * 7, 32)), (None, relu()),
        ("fc2", nn.Linear(32, 10)),
    )
    return spec, m, {"image": torch.rand(2, 1, 28, 28)}, "logits"


@model_case("bn-fold", "eval rewrites", notes="batchnorm after conv with and without bias, after linear with and without bias "
                                              "(BatchNorm1d), after an input normalize that folds into an unpadded conv")
def bn_fold():
    spec = """\
model BnFold {
  input x: f32[N, 3, 10, 10]
  output y

  normalize(mean=[0.4, 0.5, 0.6], std=[0.2, 0.25, 0.3])
  c1: conv2d(6, kernel=3) -> bn1: batchnorm -> relu
  c2: conv2d(8, kernel=3, stride=2, bias=false) -> bn2: batchnorm(eps=1e-3)
  flatten
  fc1: linear(12, bias=false) -> bn3: batchnorm -> relu
  fc2: linear(12) -> bn4: batchnorm
}
"""
    m = named(
        (None, Normalize([0.4, 0.5, 0.6], [0.2, 0.25, 0.3])),
        ("c1", nn.Conv2d(3, 6, 3)), ("bn1", nn.BatchNorm2d(6)), (None, relu()),
        ("c2", nn.Conv2d(6, 8, 3, stride=2, bias=False)), ("bn2", nn.BatchNorm2d(8, eps=1e-3)),
        (None, flatten()),
        ("fc1", nn.Linear(8 * 3 * 3, 12, bias=False)), ("bn3", nn.BatchNorm1d(12)), (None, relu()),
        ("fc2", nn.Linear(12, 12)), ("bn4", nn.BatchNorm1d(12)),
    )
    return spec, m, {"x": torch.rand(3, 3, 10, 10)}, "y"


@model_case("dropout-at-eval", "eval rewrites", notes="dropout, dropconnect and drop_path are the identity at eval; "
                                                      "linear over the last axis of a rank-3 input")
def dropout_at_eval():
    spec = """\
model DropoutAtEval {
  input x: f32[N, 8, 6]
  output y

  dropout(0.5)
  fc1: linear(10) with dropconnect(0.3)
  relu -> dropout(0.9)
  drop_path(0.25)
  fc2: linear(4)
}
"""
    m = named((None, nn.Dropout(0.5)), ("fc1", nn.Linear(6, 10)), (None, relu()), (None, nn.Dropout(0.9)), ("fc2", nn.Linear(10, 4)))
    return spec, m, {"x": torch.randn(2, 8, 6)}, "y"


class Basic(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        h = self.bn2(self.c2(torch.relu(self.bn1(self.c1(x)))))
        return torch.relu(h + x)  # drop_path is the identity at eval


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.batchnorm_1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(Basic(8), Basic(8))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.relu(self.batchnorm_1(self.stem(x)))
        x = self.layer1(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@model_case("resnet-blocks", "classifiers", notes="the sketch's Basic block (drop_path on the residual branch) repeated twice, "
                                                  "an unnamed batchnorm after the stem, global average pooling")
def resnet_blocks():
    spec = """\
block Basic(ch: int, stride: int = 1) {
  input x
  let h = x -> c1: conv2d(ch, 3, stride=stride, padding=1, bias=false) -> bn1: batchnorm -> relu
            -> c2: conv2d(ch, 3, padding=1, bias=false) -> bn2: batchnorm
  let h = drop_path(h, 0.1)
  output relu(h + x)
}

model Tiny {
  input x: f32[N, 3, 12, 12]
  output y

  stem: conv2d(8, 3, padding=1, bias=false) -> batchnorm -> relu
  layer1: repeat 2 Basic(8)
  global_avgpool -> flatten -> fc: linear(10)
}
"""
    return spec, Tiny(), {"x": torch.randn(2, 3, 12, 12)}, "y"


def encoder_by_hand(layers, x):
    """nn.TransformerEncoderLayer(norm_first=False, activation='gelu') at eval, step by step,
    to confirm torch's fused fast path gives the same numbers."""
    for layer in layers:
        a, _ = layer.self_attn(x, x, x, need_weights=False)
        h = layer.norm1(x + a)
        f = layer.linear2(F.gelu(layer.linear1(h)))
        x = layer.norm2(h + f)
    return x


@model_case("transformer-encoder", "attention", notes="two nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, "
                                                      "activation='gelu', batch_first=True, norm_first=False) as a repeated block")
def transformer_encoder():
    spec = """\
// A post-norm Transformer encoder layer, as torch.nn.TransformerEncoderLayer.
block EncoderLayer(heads: int, ff: int, width: int) {
  input x
  let a = x -> self_attn: multihead_attention(heads=heads)
  let h = (x + a) -> norm1: layernorm
  let f = h -> linear1: linear(ff) -> gelu -> dropout(0.1) -> linear2: linear(width)
  output (h + f) -> norm2: layernorm
}

model Encoder {
  input x: f32[N, 5, 16]
  output y

  layers: repeat 2 EncoderLayer(heads=4, ff=32, width=16)
}
"""
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, activation="gelu", batch_first=True, norm_first=False)
    m = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    return spec, m, {"x": torch.randn(3, 5, 16)}, "y"


@model_case("gan-discriminator", "weight reparameterisations", notes="spectral_norm on two convs and a linear with stored u, v (one power "
                                                                     "iteration from a random u); leaky_relu(0.2)")
def gan_discriminator():
    spec = """\
model Discriminator {
  input img: f32[N, 3, 16, 16]
  output score

  c1: conv2d(8, kernel=4, stride=2, padding=1) with spectralnorm
  leaky_relu(0.2)
  c2: conv2d(16, kernel=4, stride=2, padding=1) with spectralnorm -> leaky_relu(0.2)
  flatten
  fc: linear(1) with spectralnorm
}
"""
    sn = nn.utils.spectral_norm
    m = named(
        ("c1", sn(nn.Conv2d(3, 8, 4, stride=2, padding=1))), (None, nn.LeakyReLU(0.2)),
        ("c2", sn(nn.Conv2d(8, 16, 4, stride=2, padding=1))), (None, nn.LeakyReLU(0.2)),
        (None, flatten()),
        ("fc", sn(nn.Linear(16 * 4 * 4, 1))),
    )
    return spec, m, {"img": torch.randn(2, 3, 16, 16)}, "score"


@model_case("weightnorm-linear", "weight reparameterisations", notes="weight_norm on linear layers: dim 0 with bias, dim 1 without")
def weightnorm_linear():
    spec = """\
model WeightNormed {
  input x: f32[N, 12]
  output y

  fc1: linear(16) with weightnorm -> tanh
  fc2: linear(8, bias=false) with weightnorm(dim=1)
}
"""
    wn = nn.utils.weight_norm
    m = named(("fc1", wn(nn.Linear(12, 16), dim=0)), (None, nn.Tanh()), ("fc2", wn(nn.Linear(16, 8, bias=False), dim=1)))
    return spec, m, {"x": torch.randn(3, 12)}, "y"


@model_case("norm-batchnorm", "normalisers", notes="batchnorm at eval on [N, C, H, W] and, after flatten, on [N, C, L]; one "
                                                   "without affine; an input normalize and two batchnorms in a row (affines that merge)")
def norm_batchnorm():
    spec = """\
model BatchNorms {
  input x: f32[N, 4, 6, 6]
  output y

  normalize(mean=[0.5, 0.4, 0.3, 0.2], std=[2.0, 1.5, 1.0, 0.5])
  bn1: batchnorm -> relu
  bn2: batchnorm(affine=false, eps=1e-3)
  bn3: batchnorm
  flatten(start_dim=2)
  bn4: batchnorm
}
"""
    m = named((None, Normalize([0.5, 0.4, 0.3, 0.2], [2.0, 1.5, 1.0, 0.5])),
              ("bn1", nn.BatchNorm2d(4)), (None, relu()), ("bn2", nn.BatchNorm2d(4, eps=1e-3, affine=False)),
              ("bn3", nn.BatchNorm2d(4)), (None, flatten(2)), ("bn4", nn.BatchNorm1d(4)))
    return spec, m, {"x": torch.randn(3, 4, 6, 6) * 2.0 + 0.5}, "y"


@model_case("norm-batch-renorm", "normalisers", notes="batch_renorm at eval is batchnorm with running statistics "
                                                      "(torch BatchNorm2d/1d with the same state_dict)")
def norm_batch_renorm():
    spec = """\
model BatchRenorms {
  input x: f32[N, 4, 6, 6]
  output y

  br1: batch_renorm
  global_avgpool -> flatten
  br2: batch_renorm(r_max=2.0, d_max=3.0, momentum=0.05, eps=1e-3)
}
"""
    m = named(("br1", nn.BatchNorm2d(4)), (None, nn.AdaptiveAvgPool2d(1)), (None, flatten()), ("br2", nn.BatchNorm1d(4, eps=1e-3)))
    return spec, m, {"x": torch.randn(3, 4, 6, 6) * 2.0 + 0.5}, "y"


@model_case("norm-instancenorm", "normalisers", notes="instancenorm with affine and per-sample statistics, with running "
                                                      "statistics, and with both")
def norm_instancenorm():
    spec = """\
model InstanceNorms {
  input x: f32[N, 4, 5, 6]
  output y

  in1: instancenorm(affine=true)
  relu
  in2: instancenorm(track_running_stats=true)
  in3: instancenorm(affine=true, track_running_stats=true, eps=1e-3)
}
"""
    m = named(("in1", nn.InstanceNorm2d(4, affine=True)), (None, relu()),
              ("in2", nn.InstanceNorm2d(4, track_running_stats=True)),
              ("in3", nn.InstanceNorm2d(4, affine=True, track_running_stats=True, eps=1e-3)))
    return spec, m, {"x": torch.randn(3, 4, 5, 6) * 2.0 + 0.5}, "y"


@model_case("norm-groupnorm", "normalisers", notes="groupnorm with 2 and 3 groups, without affine, and with one group")
def norm_groupnorm():
    spec = """\
model GroupNorms {
  input x: f32[N, 6, 5, 5]
  output y

  gn1: groupnorm(2) -> relu
  gn2: groupnorm(groups=3, affine=false, eps=1e-3)
  gn3: groupnorm(1)
}
"""
    m = named(("gn1", nn.GroupNorm(2, 6)), (None, relu()), ("gn2", nn.GroupNorm(3, 6, eps=1e-3, affine=False)), ("gn3", nn.GroupNorm(1, 6)))
    return spec, m, {"x": torch.randn(3, 6, 5, 5) * 2.0 + 0.5}, "y"


@model_case("norm-layernorm", "normalisers", notes="layernorm over the last 2, 3 and 1 dimensions, the last without affine")
def norm_layernorm():
    spec = """\
model LayerNorms {
  input x: f32[N, 3, 4, 5]
  output y

  ln1: layernorm(dims=2)
  relu
  ln2: layernorm(dims=3, eps=1e-3)
  ln3: layernorm(affine=false)
}
"""
    m = named(("ln1", nn.LayerNorm([4, 5])), (None, relu()), ("ln2", nn.LayerNorm([3, 4, 5], eps=1e-3)),
              ("ln3", nn.LayerNorm(5, elementwise_affine=False)))
    return spec, m, {"x": torch.randn(3, 3, 4, 5) * 2.0 + 0.5}, "y"


@model_case("norm-scalenorm", "normalisers", notes="ScaleNorm (Nguyen & Salazar 2019) written by hand: g * x / max(||x||, eps) "
                                                   "over the last dimension")
def norm_scalenorm():
    spec = """\
model ScaleNorms {
  input x: f32[N, 6, 10]
  output y

  sn1: scalenorm
  fc: linear(4)
  sn2: scalenorm(g=2.0, eps=1e-3)
}
"""
    m = named(("sn1", ScaleNorm()), ("fc", nn.Linear(10, 4)), ("sn2", ScaleNorm(eps=1e-3)))
    return spec, m, {"x": torch.randn(2, 6, 10)}, "y"


@model_case("norm-batch-instance-norm", "normalisers", notes="batch-instance norm (Nam & Kim 2018) written by hand: rho * BN with "
                                                             "running statistics + (1 - rho) * IN, then the affine; rho in (0, 1)")
def norm_batch_instance_norm():
    spec = """\
model BatchInstanceNorms {
  input x: f32[N, 4, 5, 5]
  output y

  bin1: batch_instance_norm -> relu
  bin2: batch_instance_norm(eps=1e-3)
}
"""
    m = named(("bin1", BatchInstanceNorm(4)), (None, relu()), ("bin2", BatchInstanceNorm(4, eps=1e-3)))
    return spec, m, {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


def rho_at_the_clips(module):
    module.bin1.rho.copy_(torch.tensor([1.0, 1.3, 1.0, 2.0]))
    module.bin2.rho.copy_(torch.tensor([0.0, -0.4, 0.0, -1.0]))


@model_case("norm-batch-instance-norm-extremes", "normalisers",
            notes="batch-instance norm whose rho all clip to 1 (pure batchnorm with running statistics) and "
                  "all clip to 0 (pure instancenorm): the cases the eval pipeline rewrites",
            adjust=rho_at_the_clips)
def norm_batch_instance_norm_extremes():
    spec = """\
model BatchInstanceNormExtremes {
  input x: f32[N, 4, 5, 5]
  output y

  bin1: batch_instance_norm -> relu
  bin2: batch_instance_norm(eps=1e-3)
}
"""
    m = named(("bin1", BatchInstanceNorm(4)), (None, relu()), ("bin2", BatchInstanceNorm(4, eps=1e-3)))
    return spec, m, {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


@model_case("norm-switchable-norm", "normalisers", notes="switchable norm (Luo et al. 2018) written by hand: softmax(mean_weight) and "
                                                         "softmax(var_weight) mix IN, LN and running BN statistics (biased variances)")
def norm_switchable_norm():
    spec = """\
model SwitchableNorms {
  input x: f32[N, 4, 5, 5]
  output y

  sw1: switchable_norm -> relu
  sw2: switchable_norm(eps=1e-3)
}
"""
    m = named(("sw1", SwitchNorm(4)), (None, relu()), ("sw2", SwitchNorm(4, eps=1e-3)))
    return spec, m, {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


class Activations(nn.Module):
    def forward(self, x):
        parts = [
            torch.relu(x), F.leaky_relu(x, 0.1), F.leaky_relu(x), F.gelu(x), F.gelu(x, approximate="tanh"),
            F.silu(x), torch.sigmoid(x), torch.tanh(x), torch.softmax(x, -1), torch.log_softmax(x, 1),
        ]
        return torch.cat(parts, 1)


@model_case("activations", "layers and expressions", notes="every activation on the same input, joined by concat along channels; "
                                                           "softmax over the last axis, log_softmax over axis 1")
def activations():
    spec = """\
model Activations {
  input x: f32[N, 4, 10]

  let a = x -> relu
  let b = x -> leaky_relu(0.1)
  let c = x -> leaky_relu
  let d = x -> gelu
  let e = x -> gelu(approximate=tanh)
  let f = x -> silu
  let g = x -> sigmoid
  let h = x -> tanh
  let s = x -> softmax
  let l = x -> log_softmax(axis=1)
  let y = concat(a, b, c, d, e, f, g, h, s, l, axis=1)
  output y
}
"""
    x = torch.randn(3, 4, 10) * 3.0
    return spec, Activations(), {"x": x}, "y"


class Pooling(nn.Module):
    def forward(self, x):
        a = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        b = F.avg_pool2d(x, 3, stride=2, padding=1)
        c = F.max_pool2d(x, 3, stride=2, padding=1)
        d = F.max_pool2d(F.avg_pool2d(x, 2), 2)
        return torch.cat([a.flatten(1), b.flatten(1), c.flatten(1), d.flatten(1)], 1)


@model_case("pooling", "layers and expressions", notes="avgpool with padding counting and not counting the padded zeros, maxpool with "
                                                       "(-inf) padding, and default strides")
def pooling():
    spec = """\
model Pooling {
  input x: f32[N, 3, 11, 11]

  let a = x -> avgpool(3, stride=2, padding=1, count_include_pad=false) -> flatten
  let b = x -> avgpool(3, stride=2, padding=1) -> flatten
  let c = x -> maxpool(3, stride=2, padding=1) -> flatten
  let d = x -> avgpool(2) -> maxpool(2) -> flatten
  let y = concat(a, b, c, d)
  output y
}
"""
    return spec, Pooling(), {"x": torch.randn(2, 3, 11, 11)}, "y"


@model_case("depthwise-conv", "layers and expressions", notes="depthwise conv (groups = channels) with batchnorm, a pointwise conv, and "
                                                              "a grouped conv with two outputs per group; padded input normalize")
def depthwise_conv():
    spec = """\
model Depthwise {
  input x: f32[N, 6, 9, 9]
  output y

  normalize(mean=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], std=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
  dw: conv2d(6, kernel=3, padding=1, groups=6, bias=false) -> bn: batchnorm -> relu
  pw: conv2d(10, kernel=1)
  dw2: conv2d(20, kernel=3, stride=2, groups=10)
}
"""
    m = named(
        (None, Normalize([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])),
        ("dw", nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)), ("bn", nn.BatchNorm2d(6)), (None, relu()),
        ("pw", nn.Conv2d(6, 10, 1)),
        ("dw2", nn.Conv2d(10, 20, 3, stride=2, groups=10)),
    )
    return spec, m, {"x": torch.randn(2, 6, 9, 9)}, "y"


@model_case("conv-pool", "layers and expressions", notes="2x2 average and max pools straight after convolutions (fused into them at eval): "
                                                        "odd sizes whose last row and column the pool drops, a grouped conv without bias "
                                                        "and gelu, a pointwise conv with 16 channels")
def conv_pool():
    spec = """\
model ConvPool {
  input x: f32[N, 4, 17, 17]
  output y

  c1: conv2d(6, kernel=3, padding=1) -> relu -> avgpool(2)
  c2: conv2d(8, kernel=3, padding=1, groups=2, bias=false) -> gelu -> maxpool(2)
  c3: conv2d(16, kernel=1) -> maxpool(2)
}
"""
    m = named(
        ("c1", nn.Conv2d(4, 6, 3, padding=1)), (None, relu()), (None, nn.AvgPool2d(2)),
        ("c2", nn.Conv2d(6, 8, 3, padding=1, groups=2, bias=False)), (None, Lambda(F.gelu)), (None, nn.MaxPool2d(2)),
        ("c3", nn.Conv2d(8, 16, 1)), (None, nn.MaxPool2d(2)),
    )
    return spec, m, {"x": torch.randn(3, 4, 17, 17)}, "y"


@model_case("conv1d", "layers and expressions", notes="conv1d with padding, with dilation and groups; 1-d max and average pooling")
def conv1d():
    spec = """\
model Conv1d {
  input x: f32[N, 4, 20]
  output y

  c1: conv1d(8, kernel=5, padding=2) -> relu
  maxpool1d(2)
  c2: conv1d(8, 3, dilation=2, groups=2) -> gelu
  avgpool1d(3, stride=2, padding=1, count_include_pad=false)
  flatten
  fc: linear(3)
}
"""
    m = named(
        ("c1", nn.Conv1d(4, 8, 5, padding=2)), (None, relu()), (None, nn.MaxPool1d(2)),
        ("c2", nn.Conv1d(8, 8, 3, dilation=2, groups=2)), (None, nn.GELU()),
        (None, nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)),
        (None, flatten()),
        ("fc", nn.Linear(8 * 3, 3)),
    )
    return spec, m, {"x": torch.randn(3, 4, 20)}, "y"


class Expressions(nn.Module):
    def __init__(self):
        super().__init__()
        self.wq = nn.Linear(6, 5)
        self.wk = nn.Linear(6, 5)
        self.fc = nn.Linear(48, 3)

    def forward(self, x):
        q = self.wq(x)
        kt = torch.transpose(self.wk(x), 1, 2)
        s = torch.softmax(torch.matmul(q, kt), -1)
        v = torch.matmul(s, x)
        both = torch.cat([v, x * v], 2)
        r = torch.reshape(both, (x.shape[0], 6, 8))
        return self.fc(torch.flatten((r - 0.5) / 2.0, 1))


@model_case("expressions", "layers and expressions", notes="named values with transpose, matmul, softmax, concat, elementwise * - / "
                                                           "with scalars, and reshape")
def expressions():
    spec = """\
model Expressions {
  input x: f32[N, 4, 6]

  let q = x -> wq: linear(5)
  let k = x -> wk: linear(5)
  let kt = transpose(k, 1, 2)
  let s = matmul(q, kt) -> softmax
  let v = matmul(s, x)
  let both = concat(v, x * v, axis=2)
  let r = both -> reshape([6, 8])
  let y = (r - 0.5) / 2.0 -> flatten -> fc: linear(3)
  output y
}
"""
    return spec, Expressions(), {"x": torch.randn(3, 4, 6)}, "y"


@model_case("minmax", "layers and expressions", notes="minmax(-3, 5) scaling without clamping (inputs fall outside the range), then linear "
                                                      "and sigmoid")
def minmax():
    spec = """\
model MinMax {
  input x: f32[N, 2, 8]
  output y

  minmax(min=-3.0, max=5.0)
  fc: linear(4) -> sigmoid
}
"""
    m = named((None, Lambda(lambda x: (x + 3.0) / 8.0)), ("fc", nn.Linear(8, 4)), (None, nn.Sigmoid()))
    return spec, m, {"x": torch.randn(3, 2, 8) * 4.0}, "y"


# ------------------------------------------------------------------ writing


def check_reference(name, module, inputs, y):
    """Cross-checks where torch's own result could hide a mistake in the reference."""
    if name == "transformer-encoder":
        with torch.no_grad():
            by_hand = encoder_by_hand(module.layers, inputs["x"])
        assert torch.allclose(by_hand, y, atol=1e-5, rtol=1e-5), "TransformerEncoder fast path differs from the layer by hand"
    for i in range(1, next(iter(inputs.values())).shape[0]):
        with torch.no_grad():
            alone = module(*[t[i:i + 1] for t in inputs.values()])
        assert torch.allclose(alone, y[i:i + 1], atol=1e-5, rtol=1e-5), f"{name}: sample {i} depends on the rest of the batch"


def write_model_case(entry):
    seeded(zlib.crc32(entry["name"].encode()))  # per case, so adding a case changes no other
    spec, module, inputs, output = entry["build"]()
    randomise(module)
    if entry["adjust"]:
        with torch.no_grad():
            entry["adjust"](module)
    module.eval()
    with torch.no_grad():
        y = module(*inputs.values())
    check_reference(entry["name"], module, inputs, y)
    folder = os.path.join(ROOT, entry["name"])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(spec)
    write_safetensors(os.path.join(folder, "weights.safetensors"), dict(module.state_dict()))
    io = dict(inputs)
    io[output] = y
    write_safetensors(os.path.join(folder, "io.safetensors"), io)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"family": entry["family"], "tolerance": entry["tolerance"], "notes": entry["notes"]}, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for entry in CASES:
        write_model_case(entry)
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
