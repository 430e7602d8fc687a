"""`regc grad` goldens: whole command-line cases, with the files a torch user would hand it.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_cli.py
It rewrites tests/golden/grad-cli/<case>/, one folder per case:

    model.reg             the spec (with a train section where the case gives labels)
    weights.safetensors   the module's state_dict before the pass (num_batches_tracked as I64)
    <input>.npy           each model input, `np.save` of a float32 array
    labels.npy            with labels: int64 class indices for cross_entropy and nll, float32
                          targets for bce_with_logits and mse, as `np.save` writes them
    grad_output.npy       without labels: the float32 cotangent of the output
    case.json             {"inputs": [[name, file], ...], "labels" or "grad_output": file,
                           "mode": "train" | "eval", "notes": ...}
    expected/             what `regc grad model.reg --weights weights.safetensors --input ...
                          (--labels labels.npy | --grad-output grad_output.npy) --mode MODE -o DIR`
                          must write, as torch computes it:
        output.npy            the module's output
        loss.npy              with labels: the loss, penalties included, a 0-d float32 array
        grads.safetensors     every parameter's .grad, under its state_dict name
        grad_input.npy        the input's .grad (grad_input.<name>.npy for each of several)
        state.safetensors     every buffer of the state_dict after the pass (running statistics,
                              num_batches_tracked as I64, spectral norm's weight_u and weight_v)

The pass is torch's: model.train() or model.eval(), y = model(*inputs), then with labels
loss = F.<loss>(y, labels) + penalties (l1: lambda * sum|w|, l2: lambda / 2 * sum w^2) and
loss.backward(), else torch.autograd.backward(y, grad_output). Nothing is updated.
"""
import json
import os
import shutil
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-cli")
BATCH = 4


def randomise_norms(module):
    """Running statistics and affine parameters away from their defaults, so that eval mode,
    the running-statistic updates and the affine gradients all depend on them."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(3)


# ---- modules, named as the specs name their layers ------------------------------------------
class Mlp(nn.Module):
    def __init__(self, out=3, bn=False, log_softmax=False, dropout=False):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.bn = nn.BatchNorm1d(5, momentum=0.2) if bn else None
        self.drop = nn.Dropout(0.5) if dropout else None
        self.fc2 = nn.Linear(5, out)
        self.log_softmax = log_softmax

    def forward(self, x):
        h = self.fc1(x)
        if self.bn is not None:
            h = self.bn(h)
        h = torch.relu(h)
        if self.drop is not None:
            h = self.drop(h)
        y = self.fc2(h)
        return torch.log_softmax(y, dim=1) if self.log_softmax else y


class ConvBnPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 3 * 3, 5)

    def forward(self, x):
        h = F.max_pool2d(torch.relu(self.bn1(self.c1(x))), 2)
        return self.fc(torch.flatten(h, 1))


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fa = nn.Linear(4, 5)
        self.fb = nn.Linear(3, 5)
        self.head = nn.Linear(10, 3)

    def forward(self, a, b):
        return self.head(torch.cat([torch.relu(self.fa(a)), torch.tanh(self.fb(b))], dim=1))


class Reparam(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.utils.spectral_norm(nn.Conv2d(2, 3, 3, stride=2, padding=1), n_power_iterations=2)
        self.fc1 = nn.utils.weight_norm(nn.Linear(3 * 3 * 3, 6))
        self.fc2 = nn.utils.spectral_norm(nn.Linear(6, 4))

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        return self.fc2(torch.tanh(self.fc1(torch.flatten(h, 1))))


MLP_SPEC = """model Net {{
  input x: f32[N, 6]
  output y

  fc1: linear(5){bn} -> relu{drop}
  fc2: linear({out}){tail}
}}
{train}"""


def mlp_spec(out=3, bn=False, log_softmax=False, dropout=False, train=None):
    return MLP_SPEC.format(
        out=out,
        bn=" -> bn: batchnorm(momentum=0.2)" if bn else "",
        drop=" -> drop: dropout(0.5)" if dropout else "",
        tail="\n  log_softmax(axis=1)" if log_softmax else "",
        train=f"\ntrain Net {{\n  {train}\n}}\n" if train else "",
    )


CONV_SPEC = """model ConvNet {
  input x: f32[N, 2, 6, 6]
  output y

  c1: conv2d(4, kernel=3, padding=1) -> bn1: batchnorm -> relu -> maxpool(2)
  flatten
  fc: linear(5)
}
"""

TWO_INPUTS_SPEC = """model Two {
  input a: f32[N, 4]
  input b: f32[N, 3]
  output y

  let ha = a -> fa: linear(5) -> relu
  let hb = b -> fb: linear(5) -> tanh
  concat(ha, hb, axis=1) -> head: linear(3)
}

train Two {
  loss cross_entropy
  optimizer sgd(lr=0.1)
}
"""

REPARAM_SPEC = """model Reparam {
  input x: f32[N, 2, 6, 6]
  output y

  c1: conv2d(3, kernel=3, stride=2, padding=1) with spectralnorm(power_iterations=2) -> leaky_relu(0.2)
  flatten
  fc1: linear(6) with weightnorm -> tanh
  fc2: linear(4) with spectralnorm
}

train Reparam {
  loss cross_entropy
  optimizer sgd(lr=0.1)
  penalty l2(0.05) on fc1.weight_g
}
"""

CASES = []


def case(name, notes, spec, build, inputs, loss=None, penalties=(), mode="train"):
    """build() -> module; inputs: {name: shape}; loss: (kind, kwargs, classes or None) or None for
    a grad_output case; penalties: (kind, lambda, [parameter names])."""
    CASES.append(dict(name=name, notes=notes, spec=spec, build=build, inputs=inputs, loss=loss,
                      penalties=penalties, mode=mode))


case("mlp-smoothing-penalties", "cross_entropy with label smoothing, l2 on one tensor, l1 on a glob",
     mlp_spec(train="loss cross_entropy(label_smoothing=0.1)\n  optimizer sgd(lr=0.1)\n"
                    "  penalty l2(0.1) on fc1.weight\n  penalty l1(0.01) on fc2.*"),
     lambda: Mlp(), {"x": [BATCH, 6]}, loss=("cross_entropy", {"label_smoothing": 0.1}, 3),
     penalties=[("l2", 0.1, ["fc1.weight"]), ("l1", 0.01, ["fc2.weight", "fc2.bias"])])
case("conv-bn-train", "conv-bn-relu-pool-linear in train mode, seeded by --grad-output: running stats change",
     CONV_SPEC, ConvBnPool, {"x": [3, 2, 6, 6]})
case("conv-bn-eval", "the same network in eval mode: running statistics used, not changed",
     CONV_SPEC, ConvBnPool, {"x": [3, 2, 6, 6]}, mode="eval")
case("nll-batchnorm", "nll after log_softmax, a batchnorm1d in train mode (momentum 0.2)",
     mlp_spec(bn=True, log_softmax=True, train="loss nll\n  optimizer sgd(lr=0.1)"),
     lambda: Mlp(bn=True, log_softmax=True), {"x": [BATCH, 6]}, loss=("nll", {}, 3))
case("bce-with-logits", "bce_with_logits with pos_weight, float32 targets in [0, 1]",
     mlp_spec(out=2, train="loss bce_with_logits(pos_weight=[2.0, 0.5])\n  optimizer sgd(lr=0.1)"),
     lambda: Mlp(out=2), {"x": [BATCH, 6]}, loss=("bce", {"pos_weight": [2.0, 0.5]}, None))
case("mse-eval-dropout", "mse in eval mode: the dropout is the identity",
     mlp_spec(out=2, dropout=True, train="loss mse\n  optimizer sgd(lr=0.1)"),
     lambda: Mlp(out=2, dropout=True), {"x": [BATCH, 6]}, loss=("mse", {}, None), mode="eval")
case("two-inputs", "a model with inputs a and b, given as --input a=FILE --input b=FILE",
     TWO_INPUTS_SPEC, TwoInputs, {"a": [BATCH, 4], "b": [BATCH, 3]}, loss=("cross_entropy", {}, 3))
case("reparam", "spectralnorm on a conv (2 power iterations) and a linear, weightnorm between, an l2 on weight_g",
     REPARAM_SPEC, Reparam, {"x": [3, 2, 6, 6]}, loss=("cross_entropy", {}, 4),
     penalties=[("l2", 0.05, ["fc1.weight_g"])])


def labels_for(loss, shape):
    kind, _, classes = loss
    if kind in ("cross_entropy", "nll"):
        return torch.randint(0, classes, (shape[0],))
    if kind == "bce":
        return torch.rand(shape)
    return torch.randn(shape)


def loss_of(loss, y, labels):
    kind, kwargs, _ = loss
    if kind == "cross_entropy":
        return F.cross_entropy(y, labels, **kwargs)
    if kind == "nll":
        return F.nll_loss(y, labels)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(y, labels, pos_weight=torch.tensor(kwargs["pos_weight"]))
    return F.mse_loss(y, labels)


def write_case(entry):
    seeded(zlib.crc32(entry["name"].encode()))
    module = entry["build"]()
    randomise_norms(module)
    folder = os.path.join(ROOT, entry["name"])
    expected = os.path.join(folder, "expected")
    os.makedirs(expected)
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(entry["spec"])
    write_safetensors(os.path.join(folder, "weights.safetensors"), {k: v.clone() for k, v in module.state_dict().items()})
    inputs = {name: torch.randn(shape) for name, shape in entry["inputs"].items()}
    for name, x in inputs.items():
        np.save(os.path.join(folder, f"{name}.npy"), x.numpy().astype(np.float32))
    described = {"inputs": [[name, f"{name}.npy"] for name in inputs], "mode": entry["mode"], "notes": entry["notes"]}

    module.train(entry["mode"] == "train")
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = module(*leaves.values())
    if entry["loss"]:
        labels = labels_for(entry["loss"], y.shape)
        np.save(os.path.join(folder, "labels.npy"), labels.numpy())
        described["labels"] = "labels.npy"
        params = dict(module.named_parameters())
        loss = loss_of(entry["loss"], y, labels)
        for kind, lam, names in entry["penalties"]:
            for n in names:
                w = params[n]
                loss = loss + (lam * w.abs().sum() if kind == "l1" else lam / 2 * (w ** 2).sum())
        loss.backward()
        np.save(os.path.join(expected, "loss.npy"), np.array(float(loss), dtype=np.float32))
    else:
        grad_output = torch.randn(y.shape)
        np.save(os.path.join(folder, "grad_output.npy"), grad_output.numpy())
        described["grad_output"] = "grad_output.npy"
        torch.autograd.backward(y, grad_output)

    np.save(os.path.join(expected, "output.npy"), y.detach().numpy())
    write_safetensors(os.path.join(expected, "grads.safetensors"), {n: p.grad for n, p in module.named_parameters()})
    for name, leaf in leaves.items():
        file = "grad_input.npy" if len(leaves) == 1 else f"grad_input.{name}.npy"
        np.save(os.path.join(expected, file), leaf.grad.numpy())
    parameters = {n for n, _ in module.named_parameters()}
    write_safetensors(os.path.join(expected, "state.safetensors"),
                      {n: t.clone() for n, t in module.state_dict().items() if n not in parameters})
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(described, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        write_case(entry)
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
