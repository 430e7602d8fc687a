"""Normalisers and reparameterisations in train (and eval) mode, differentiated by torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_norms.py
It rewrites tests/golden/grad-ops/norms/. Each case is a folder <mode>/<case>/ in the format of
scripts/golden/gradients.py (model.reg, weights.safetensors, tensors.safetensors with the inputs,
`grad_output`, `output`, `grad.<param>`, `grad_input.<input>` and, in train mode,
`state.<buffer>` after the pass, num_batches_tracked as F32; case.json).

The whole-model cases of models.py cover the torch.nn normalisers; these add what they do not:
the train meaning of the normalisers written by hand there (batch renormalisation, batch-instance
and switchable norm, whose modules in models.py are eval-only), batchnorm and instancenorm
options (track_running_stats=false, momentum 0 and 1, ranks 2 to 4), spectral norm's power
iteration (u and v after the pass), and batch_renorm keeping the paper's `running_std`.

The hand-written modules follow the references docs/language.md names:
- BatchRenorm: torchrl.modules.BatchRenorm1d with warmup_steps=0 (regc has no warmup), on
  [N, C, ...] as on [N, C]; the unbiased variance counts every element the batch variance
  averages (N * spatial; torchrl's N for its [N, C]). With keep_std it keeps the running sigma
  itself, moved towards the batch sigma (Ioffe 2017, Algorithm 1).
- BatchInstanceNorm (Nam & Kim 2018) and SwitchNorm (Luo et al. 2018): models.py's eval forms
  with batch statistics in training; the BN part updates the running statistics as F.batch_norm
  does (batch-instance norm) or with the biased variance it mixes (switchable norm), and both
  count num_batches_tracked as BatchNorm does. rho is clamped in the forward.
"""
import os
import shutil
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_gradient_case  # noqa: E402
from models import Lambda, named, randomise  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-ops", "norms")


def channel_view(x):
    return [1, -1] + [1] * (x.dim() - 2)


class BatchRenorm(nn.Module):
    def __init__(self, c, momentum=0.01, eps=1e-5, r_max=3.0, d_max=5.0, keep_std=False):
        super().__init__()
        self.momentum, self.eps, self.r_max, self.d_max, self.keep_std = momentum, eps, r_max, d_max, keep_std
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_std" if keep_std else "running_var", torch.ones(c))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def sigma(self):
        return self.running_std if self.keep_std else (self.running_var + self.eps).sqrt()

    def forward(self, x):
        v = channel_view(x)
        sigma = self.sigma()
        if not self.training:
            x = (x - self.running_mean.view(v)) / sigma.view(v)
            return self.weight.view(v) * x + self.bias.view(v)
        dims = [i for i in range(x.dim()) if i != 1]
        b_mean = x.mean(dims)
        b_var = x.var(dims, unbiased=False)
        b_std = (b_var + self.eps).sqrt()
        r = torch.clamp(b_std.detach() / sigma, 1 / self.r_max, self.r_max)
        d = torch.clamp((b_mean.detach() - self.running_mean) / sigma, -self.d_max, self.d_max)
        y = (x - b_mean.view(v)) / b_std.view(v) * r.view(v) + d.view(v)
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            self.running_mean += self.momentum * (b_mean - self.running_mean)
            if self.keep_std:
                self.running_std += self.momentum * (b_std - self.running_std)
            else:
                self.running_var += self.momentum * (b_var * n / (n - 1) - self.running_var)
            self.num_batches_tracked += 1
        return self.weight.view(v) * y + self.bias.view(v)


class BatchInstanceNorm(nn.Module):
    def __init__(self, c, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.rho = nn.Parameter(torch.ones(c))
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(c))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        v = channel_view(x)
        rho = self.rho.clamp(0.0, 1.0).view(v)
        bn = F.batch_norm(x, self.running_mean, self.running_var, None, None, training=self.training,
                          momentum=self.momentum, eps=self.eps)
        if self.training:
            self.num_batches_tracked += 1
        inn = F.instance_norm(x, eps=self.eps)
        return self.weight.view(v) * (rho * bn + (1 - rho) * inn) + self.bias.view(v)


class SwitchNorm(nn.Module):
    def __init__(self, c, eps=1e-5, momentum=0.003):
        super().__init__()
        self.eps, self.momentum = eps, momentum
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
        if self.training:
            mean_bn = flat.mean([0, 2], keepdim=True)
            var_bn = flat.var([0, 2], keepdim=True, unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean_bn.view(c))
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var_bn.view(c))
                self.num_batches_tracked += 1
        else:
            mean_bn = self.running_mean.view(1, c, 1)
            var_bn = self.running_var.view(1, c, 1)
        wm = torch.softmax(self.mean_weight, 0)
        wv = torch.softmax(self.var_weight, 0)
        mean = wm[0] * mean_in + wm[1] * mean_ln + wm[2] * mean_bn
        var = wv[0] * var_in + wv[1] * var_ln + wv[2] * var_bn
        y = (flat - mean) / (var + self.eps).sqrt() * self.weight.view(1, c, 1) + self.bias.view(1, c, 1)
        return y.reshape(x.shape)


def flatten(start=1):
    return Lambda(lambda x: torch.flatten(x, start))


# ------------------------------------------------------------------ cases

CASES = []


def case(name, modes, notes):
    def register(build):
        CASES.append({"name": name, "modes": modes, "notes": notes, "build": build})
        return build
    return register


def set_(t, values):
    t.copy_(torch.tensor(values, dtype=t.dtype))


BATCH_RENORM_SPEC = """\
model BatchRenorms {
  input x: f32[N, 4, 5, 5]
  output y

  br1: batch_renorm
  global_avgpool -> flatten
  br2: batch_renorm(r_max=2.0, d_max=3.0, momentum=0.05, eps=1e-3)
}
"""


def batch_renorm_module(keep_std):
    m = named(("br1", BatchRenorm(4, keep_std=keep_std)), (None, nn.AdaptiveAvgPool2d(1)), (None, flatten()),
              ("br2", BatchRenorm(4, momentum=0.05, eps=1e-3, r_max=2.0, d_max=3.0, keep_std=keep_std)))
    randomise(m)
    with torch.no_grad():
        # Running statistics far enough from the batch's that r and d clip at both ends somewhere.
        spread1, spread2 = [0.1, 1.0, 4.0, 40.0], [0.01, 0.2, 1.0, 5.0]
        if keep_std:
            spread1, spread2 = [s ** 0.5 for s in spread1], [s ** 0.5 for s in spread2]
        set_(m.br1.running_mean, [3.0, -12.0, 3.0, 0.0])
        set_(m.br2.running_mean, [0.0, 1.5, -2.0, 0.1])
        set_(getattr(m.br1, "running_std" if keep_std else "running_var"), spread1)
        set_(getattr(m.br2, "running_std" if keep_std else "running_var"), spread2)
    return m


@case("batch-renorm", ["train"], "batch_renorm in training (torchrl BatchRenorm1d, warmup_steps=0) on [N, C, H, W] and [N, C]; "
                                 "running statistics that make r and d clip at both ends")
def batch_renorm():
    return BATCH_RENORM_SPEC, batch_renorm_module(False), {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


@case("batch-renorm-running-std", ["train", "eval"],
      "batch_renorm keeping the paper's running sigma (`running_std`, Ioffe 2017 Algorithm 1) instead of running_var")
def batch_renorm_running_std():
    return BATCH_RENORM_SPEC, batch_renorm_module(True), {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


@case("batch-instance-norm", ["train"], "batch-instance norm in training: batch statistics for the BN part, rho inside, at and "
                                        "beyond the clips (torch's clamp passes the gradient at 0 and 1, not beyond)")
def batch_instance_norm():
    spec = """\
model BatchInstanceNorms {
  input x: f32[N, 4, 5, 5]
  output y

  bin1: batch_instance_norm -> relu
  bin2: batch_instance_norm(eps=1e-3, momentum=0.3)
}
"""
    m = named(("bin1", BatchInstanceNorm(4)), (None, nn.ReLU()), ("bin2", BatchInstanceNorm(4, eps=1e-3, momentum=0.3)))
    randomise(m)
    with torch.no_grad():
        set_(m.bin1.rho, [1.0, 0.0, 0.3, 1.3])
        set_(m.bin2.rho, [-0.4, 0.7, 1.0, 0.5])
    return spec, m, {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


@case("switchable-norm", ["train"], "switchable norm in training: batch statistics (with their gradient) in the mix, the "
                                    "running statistics moving towards the batch mean and biased variance")
def switchable_norm():
    spec = """\
model SwitchableNorms {
  input x: f32[N, 4, 5, 5]
  output y

  sw1: switchable_norm -> relu
  sw2: switchable_norm(eps=1e-3, momentum=0.1)
}
"""
    m = named(("sw1", SwitchNorm(4)), (None, nn.ReLU()), ("sw2", SwitchNorm(4, eps=1e-3, momentum=0.1)))
    randomise(m)
    return spec, m, {"x": torch.randn(3, 4, 5, 5) * 2.0 + 0.5}, "y"


@case("norm-options", ["train", "eval"], "batchnorm without running statistics (batch statistics at eval too), momentum 0 "
                                         "and 1, on ranks 4, 3 and 2; instancenorm with running statistics and momentum 0.3")
def norm_options():
    spec = """\
model NormOptions {
  input x: f32[N, 4, 3, 3]
  output y

  bn1: batchnorm(track_running_stats=false)
  in1: instancenorm(affine=true, track_running_stats=true, momentum=0.3) -> relu
  bn2: batchnorm(momentum=0.0, affine=false)
  flatten(start_dim=2)
  bn3: batchnorm(eps=1e-3)
  flatten
  bn4: batchnorm(momentum=1.0, eps=1e-2)
}
"""
    m = named(("bn1", nn.BatchNorm2d(4, track_running_stats=False)),
              ("in1", nn.InstanceNorm2d(4, affine=True, track_running_stats=True, momentum=0.3)), (None, nn.ReLU()),
              ("bn2", nn.BatchNorm2d(4, momentum=0.0, affine=False)), (None, flatten(2)),
              ("bn3", nn.BatchNorm1d(4, eps=1e-3)), (None, flatten()), ("bn4", nn.BatchNorm1d(36, momentum=1.0, eps=1e-2)))
    randomise(m)
    return spec, m, {"x": torch.randn(3, 4, 3, 3) * 2.0 + 0.5}, "y"


def power_iterated(layer, dim, steps=3):
    """u, v from a few power iterations from a random u, so that sigma = u . W v is near the top singular value."""
    w = layer.weight_orig.detach()
    m = (w if dim == 0 else w.transpose(0, dim)).reshape(w.shape[dim], -1)
    u = F.normalize(torch.randn(m.shape[0]), dim=0, eps=1e-12)
    for _ in range(steps):
        v = F.normalize(torch.mv(m.t(), u), dim=0, eps=1e-12)
        u = F.normalize(torch.mv(m, v), dim=0, eps=1e-12)
    layer.weight_u.copy_(u)
    layer.weight_v.copy_(v)


@case("spectral-norm", ["train", "eval"], "spectral norm on linear layers, dim 0 with one power iteration and dim 1 with two "
                                          "(train: u and v after the pass, held constant in the backward; eval: stored u and v)")
def spectral_norm():
    spec = """\
model SpectralNorms {
  input x: f32[N, 6]
  output y

  fc1: linear(5) with spectralnorm -> tanh
  fc2: linear(4, bias=false) with spectralnorm(dim=1, power_iterations=2, eps=1e-6)
}
"""
    fc1, fc2 = nn.Linear(6, 5), nn.Linear(5, 4, bias=False)
    randomise(fc1)  # before spectral_norm, whose vectors models.randomise sets for dim 0 only
    randomise(fc2)
    sn = nn.utils.spectral_norm
    m = named(("fc1", sn(fc1)), (None, nn.Tanh()), ("fc2", sn(fc2, n_power_iterations=2, eps=1e-6, dim=1)))
    with torch.no_grad():
        power_iterated(m.fc1, 0)
        power_iterated(m.fc2, 1)
    return spec, m, {"x": torch.randn(3, 6)}, "y"


# ------------------------------------------------------------------ cross-checks of the references


def check_references():
    """The hand-written modules reduce to torch's BatchNorm where their papers say they do."""
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5, 5) * 2.0 + 0.5
    bn = nn.BatchNorm2d(4, momentum=0.05)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(4))
        bn.bias.copy_(torch.randn(4))
    want = bn(x)

    br = BatchRenorm(4, momentum=0.05, r_max=1.0, d_max=0.0)  # r = 1, d = 0: batchnorm
    br.load_state_dict(bn.state_dict() | {"running_mean": torch.zeros(4), "running_var": torch.ones(4)}, strict=False)
    assert torch.allclose(br(x), want, atol=1e-5), "BatchRenorm(r_max=1, d_max=0) differs from BatchNorm"
    assert torch.allclose(br.running_var, bn.running_var, atol=1e-6) and torch.allclose(br.running_mean, bn.running_mean, atol=1e-6)

    bin_ = BatchInstanceNorm(4, momentum=0.05)
    bin_.load_state_dict({k: v for k, v in bn.state_dict().items() if k in ("weight", "bias")}, strict=False)
    bin_.running_mean.zero_()
    bin_.running_var.fill_(1.0)
    assert torch.allclose(bin_(x), want, atol=1e-5), "BatchInstanceNorm(rho=1) differs from BatchNorm"
    assert torch.allclose(bin_.running_var, bn.running_var, atol=1e-6)

    sw = SwitchNorm(4)
    with torch.no_grad():
        sw.weight.copy_(bn.weight)
        sw.bias.copy_(bn.bias)
        sw.mean_weight.copy_(torch.tensor([-50.0, -50.0, 50.0]))
        sw.var_weight.copy_(torch.tensor([-50.0, -50.0, 50.0]))
    assert torch.allclose(sw(x), want, atol=1e-4), "SwitchNorm weighted to BN differs from BatchNorm"


# ------------------------------------------------------------------ writing


def write_case(entry, mode):
    seeded(zlib.crc32(f"{entry['name']}/{mode}".encode()))
    spec, module, inputs, output = entry["build"]()
    write_gradient_case(os.path.join(ROOT, mode, entry["name"]), mode, spec, module, inputs, output, entry["notes"])


def main():
    check_references()
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        for mode in entry["modes"]:
            write_case(entry, mode)
            print(f"wrote {mode}/{entry['name']}")


if __name__ == "__main__":
    main()
