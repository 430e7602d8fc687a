"""Training-step goldens: `regc step` cases computed by torch.optim.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/train_steps.py
It rewrites tests/golden/steps/<case>/, one folder per case:

    model.reg             the spec: a model and its train section (loss, optimizer, schedule,
                          penalties, clipping)
    weights.safetensors   the module's state_dict before the first step
    inputs.safetensors    the batch: `x` and `labels` (class indices as I64, or float targets)
    case.json             {"steps": K, "notes": ...}
    expected/             what `regc step SPEC --weights W --input x.npy --labels y.npy --steps K
                          -o DIR` must write, as torch computes it:
        loss.npy                    float32 [K], the loss of each step, penalties included
        lr.npy                      float64 [K], the lr each step used
        state_step{k}.safetensors   every parameter and buffer after step k
        grads_step{k}.safetensors   every parameter's .grad in step k (after clipping)
        optimizer_state.safetensors after the last step: `<param>.<state>` and `step`

The loop is torch's usual one, on the same batch K times: zero_grad, forward in train mode,
loss + penalties (l1: lambda * sum|w|, l2: lambda / 2 * sum w^2), backward, clip_grad_norm_ or
clip_grad_value_, record grads, optimizer.step(), scheduler.step() (every step: regc step's
epochs are one step long unless told otherwise).
"""
import json
import math
import os
import shutil
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "steps")
STEPS = 3
BATCH = 4


def write_npy(path, array):
    np.save(path, array)


class Mlp(nn.Module):
    def __init__(self, out=3):
        super().__init__()
        self.fc1 = nn.Linear(6, 5)
        self.fc2 = nn.Linear(5, out)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


MLP_SPEC = """model Net {{
  input x: f32[N, 6]
  output y
  fc1: linear(5) -> relu
  fc2: linear({out}){tail}
}}

train Net {{
{train}
}}
"""

CASES = []


class Lamb(torch.optim.Optimizer):
    """LAMB (You et al. 2019) as docs/training.md writes it, which torch does not ship: the
    bias-corrected adam direction plus decoupled decay, u = m_hat / (sqrt(v_hat) + eps) + wd * w,
    then w -= lr * trust * u with trust = ||w|| / ||u|| per tensor (1 when either norm is 0)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = float(state["step"])
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                u = (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + group["eps"])
                if group["weight_decay"] != 0:
                    u = u.add(p, alpha=group["weight_decay"])
                wn, un = p.norm(), u.norm()
                trust = (wn / un) if float(wn) > 0 and float(un) > 0 else 1.0
                p.add_(u * trust, alpha=-group["lr"])


def case(name, train, optimizer, notes, loss="cross_entropy", out=3, penalties=(), clip=None, scheduler=None,
         log_softmax=False, label_smoothing=0.0, pos_weight=None, weight=None, reduction="mean"):
    CASES.append(dict(name=name, train=train, optimizer=optimizer, notes=notes, loss=loss, out=out,
                      penalties=penalties, clip=clip, scheduler=scheduler, log_softmax=log_softmax,
                      label_smoothing=label_smoothing, pos_weight=pos_weight, weight=weight, reduction=reduction))


# ---- optimizers: each with and without weight decay -----------------------------------------
case("sgd", "loss cross_entropy\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1), "plain sgd")
case("sgd-momentum-dampening", "loss cross_entropy\n  optimizer sgd(lr=0.1, momentum=0.9, dampening=0.3)",
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3), "momentum buffer starts as the gradient, then dampened")
case("sgd-nesterov-decay", "loss cross_entropy\n  optimizer sgd(lr=0.05, momentum=0.9, nesterov=true, weight_decay=0.01)",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), "nesterov with coupled decay")
case("adam", "loss cross_entropy\n  optimizer adam(lr=0.01)", lambda p: torch.optim.Adam(p, lr=0.01), "adam")
case("adam-decay", "loss cross_entropy\n  optimizer adam(lr=0.01, betas=[0.8, 0.99], eps=1e-6, weight_decay=0.1)",
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), "adam, coupled decay, other betas")
case("adam-amsgrad", "loss cross_entropy\n  optimizer adam(lr=0.01, amsgrad=true)", lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True), "amsgrad")
case("adamw", "loss cross_entropy\n  optimizer adamw(lr=0.01)", lambda p: torch.optim.AdamW(p, lr=0.01), "adamw, its default decay 0.01")
case("adamw-amsgrad-decay", "loss cross_entropy\n  optimizer adamw(lr=0.01, weight_decay=0.2, amsgrad=true)",
     lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.2, amsgrad=True), "decoupled decay with amsgrad")
case("rmsprop", "loss cross_entropy\n  optimizer rmsprop(lr=0.01)", lambda p: torch.optim.RMSprop(p, lr=0.01), "rmsprop")
case("rmsprop-centered-momentum-decay", "loss cross_entropy\n  optimizer rmsprop(lr=0.01, alpha=0.9, momentum=0.5, centered=true, weight_decay=0.05)",
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05), "every rmsprop option")
case("lamb", "loss cross_entropy\n  optimizer lamb(lr=0.01)", lambda p: Lamb(p, lr=0.01), "lamb: the trust ratio per tensor")
case("lamb-decay", "loss cross_entropy\n  optimizer lamb(lr=0.02, betas=[0.8, 0.99], eps=1e-4, weight_decay=0.1)",
     lambda p: Lamb(p, lr=0.02, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1), "lamb with decay, other betas and eps")
# ---- losses --------------------------------------------------------------------------------
case("cross-entropy-smoothing", "loss cross_entropy(label_smoothing=0.2)\n  optimizer sgd(lr=0.1)",
     lambda p: torch.optim.SGD(p, lr=0.1), "label smoothing", label_smoothing=0.2)
case("nll", "loss nll\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1), "a model ending in log_softmax", loss="nll", log_softmax=True)
case("bce-with-logits", "loss bce_with_logits\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1), "targets in [0, 1]", loss="bce", out=2)
case("bce-pos-weight", "loss bce_with_logits(pos_weight=[2.0, 0.5])\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1),
     "pos_weight per output", loss="bce", out=2, pos_weight=[2.0, 0.5])
case("mse", "loss mse\n  optimizer sgd(lr=0.05)", lambda p: torch.optim.SGD(p, lr=0.05), "regression targets", loss="mse", out=2)
# class weights: the weighted mean divides by the weights of the targets (with smoothing too, as aten)
case("cross-entropy-weight", "loss cross_entropy(weight=[0.5, 2.0, 1.5])\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1),
     "class weights", weight=[0.5, 2.0, 1.5])
case("cross-entropy-weight-smoothing", "loss cross_entropy(label_smoothing=0.2, weight=[0.5, 2.0, 1.5])\n  optimizer sgd(lr=0.1)",
     lambda p: torch.optim.SGD(p, lr=0.1), "class weights with label smoothing", label_smoothing=0.2, weight=[0.5, 2.0, 1.5])
case("nll-weight", "loss nll(weight=[0.0, 0.5, 3.0])\n  optimizer sgd(lr=0.1)", lambda p: torch.optim.SGD(p, lr=0.1),
     "class weights, one of them 0", loss="nll", log_softmax=True, weight=[0.0, 0.5, 3.0])
# reduction='sum': every loss
case("cross-entropy-sum", "loss cross_entropy(reduction=sum)\n  optimizer sgd(lr=0.05)", lambda p: torch.optim.SGD(p, lr=0.05),
     "summed over the batch", reduction="sum")
case("cross-entropy-weight-smoothing-sum", "loss cross_entropy(label_smoothing=0.1, weight=[2.0, 1.0, 0.5], reduction=sum)\n  optimizer sgd(lr=0.05)",
     lambda p: torch.optim.SGD(p, lr=0.05), "class weights and smoothing, summed", label_smoothing=0.1, weight=[2.0, 1.0, 0.5], reduction="sum")
case("nll-sum", "loss nll(reduction=sum)\n  optimizer sgd(lr=0.05)", lambda p: torch.optim.SGD(p, lr=0.05), "summed over the batch",
     loss="nll", log_softmax=True, reduction="sum")
case("bce-pos-weight-sum", "loss bce_with_logits(pos_weight=[2.0, 0.5], reduction=sum)\n  optimizer sgd(lr=0.05)",
     lambda p: torch.optim.SGD(p, lr=0.05), "pos_weight, summed over every element", loss="bce", out=2, pos_weight=[2.0, 0.5], reduction="sum")
case("mse-sum", "loss mse(reduction=sum)\n  optimizer sgd(lr=0.02)", lambda p: torch.optim.SGD(p, lr=0.02), "summed over every element",
     loss="mse", out=2, reduction="sum")
# ---- penalties, clipping, schedules ---------------------------------------------------------
case("penalties", "loss cross_entropy\n  optimizer sgd(lr=0.1)\n  penalty l2(0.1) on fc1.weight\n  penalty l1(0.01) on fc2.*",
     lambda p: torch.optim.SGD(p, lr=0.1), "l2 on one tensor, l1 on a glob", penalties=[("l2", 0.1, ["fc1.weight"]), ("l1", 0.01, ["fc2.weight", "fc2.bias"])])
case("clip-grad-norm", "loss cross_entropy\n  optimizer sgd(lr=0.1)\n  clip grad_norm(0.1)", lambda p: torch.optim.SGD(p, lr=0.1),
     "global 2-norm clipping that fires", clip=("norm", 0.1, 2.0))
case("clip-grad-norm-l1", "loss cross_entropy\n  optimizer adam(lr=0.01)\n  clip grad_norm(max_norm=0.2, norm_type=1.0)", lambda p: torch.optim.Adam(p, lr=0.01),
     "1-norm clipping", clip=("norm", 0.2, 1.0))
case("clip-grad-value", "loss cross_entropy\n  optimizer sgd(lr=0.1)\n  clip grad_value(0.02)", lambda p: torch.optim.SGD(p, lr=0.1),
     "elementwise clamp", clip=("value", 0.02))
case("schedule-step", "loss cross_entropy\n  optimizer sgd(lr=0.1, momentum=0.9)\n  schedule step(every=1, gamma=0.5)",
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "the lr halves every step",
     scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5))


def build(entry):
    seeded(zlib.crc32(entry["name"].encode()))
    model = Mlp(entry["out"])
    x = torch.randn(BATCH, 6)
    if entry["loss"] in ("cross_entropy", "nll"):
        labels = torch.randint(0, entry["out"], (BATCH,))
    elif entry["loss"] == "bce":
        labels = torch.rand(BATCH, entry["out"])
    else:
        labels = torch.randn(BATCH, entry["out"])
    return model, x, labels


def loss_of(entry, y, labels):
    reduction = entry["reduction"]
    weight = torch.tensor(entry["weight"]) if entry["weight"] else None
    if entry["loss"] == "cross_entropy":
        return F.cross_entropy(y, labels, weight=weight, label_smoothing=entry["label_smoothing"], reduction=reduction)
    if entry["loss"] == "nll":
        return F.nll_loss(torch.log_softmax(y, dim=1), labels, weight=weight, reduction=reduction)
    if entry["loss"] == "bce":
        pw = torch.tensor(entry["pos_weight"]) if entry["pos_weight"] else None
        return F.binary_cross_entropy_with_logits(y, labels, pos_weight=pw, reduction=reduction)
    return F.mse_loss(y, labels, reduction=reduction)


def write_case(entry):
    model, x, labels = build(entry)
    folder = os.path.join(ROOT, entry["name"])
    expected = os.path.join(folder, "expected")
    os.makedirs(expected, exist_ok=True)
    tail = "\n  log_softmax(axis=1)" if entry["log_softmax"] else ""
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(MLP_SPEC.format(out=entry["out"], tail=tail, train="  " + entry["train"]))
    write_safetensors(os.path.join(folder, "weights.safetensors"), dict(model.state_dict()))
    write_safetensors(os.path.join(folder, "inputs.safetensors"), {"x": x, "labels": labels})
    params = dict(model.named_parameters())
    optimizer = entry["optimizer"](list(params.values()))
    scheduler = entry["scheduler"](optimizer) if entry["scheduler"] else None
    losses, lrs = [], []
    for k in range(1, STEPS + 1):
        optimizer.zero_grad()
        y = model(x)
        loss = loss_of(entry, y, labels)
        for kind, lam, names in entry["penalties"]:
            for n in names:
                w = params[n]
                loss = loss + (lam * w.abs().sum() if kind == "l1" else lam / 2 * (w ** 2).sum())
        loss.backward()
        if entry["clip"]:
            if entry["clip"][0] == "norm":
                torch.nn.utils.clip_grad_norm_(list(params.values()), entry["clip"][1], norm_type=entry["clip"][2])
            else:
                torch.nn.utils.clip_grad_value_(list(params.values()), entry["clip"][1])
        losses.append(float(loss))
        lrs.append(optimizer.param_groups[0]["lr"])
        write_safetensors(os.path.join(expected, f"grads_step{k}.safetensors"), {n: p.grad.clone() for n, p in params.items()})
        optimizer.step()
        if scheduler:
            scheduler.step()
        write_safetensors(os.path.join(expected, f"state_step{k}.safetensors"), dict(model.state_dict()))
    write_npy(os.path.join(expected, "loss.npy"), np.array(losses, dtype=np.float32))
    write_npy(os.path.join(expected, "lr.npy"), np.array(lrs, dtype=np.float64))
    state = {}
    names = {id(p): n for n, p in params.items()}
    for p, s in optimizer.state.items():
        for key, v in s.items():
            if key != "step" and v is not None:
                state[f"{names[id(p)]}.{key}"] = v
    # torch keeps a step count per parameter for adam and rmsprop only; regc writes one for all.
    state["step"] = torch.tensor(float(STEPS))
    write_safetensors(os.path.join(expected, "optimizer_state.safetensors"), state)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"steps": STEPS, "notes": entry["notes"]}, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        write_case(entry)
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
