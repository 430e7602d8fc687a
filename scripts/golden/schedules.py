"""Golden learning-rate curves: every schedule over a whole run, computed by torch.optim.lr_scheduler.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/schedules.py
It rewrites tests/golden/schedules/<case>.json, one file per case:

    name, about      what the case covers
    spec             a whole .reg file whose train section has the schedule
    schedule_data    the same schedule as bundle data (runtime/train/schedule-format.ts)
    steps_per_epoch  M
    epochs, steps    the run: `epochs` E (then steps = E * M) or null when it is given in steps
    metrics          the monitored value at the end of each epoch, or null; "nan", "inf" and
                     "-inf" stand for those floats, which JSON cannot hold
    lr               torch's lr of every optimizer step of the run
    torch            the torch objects that computed it

The loop below is the one docs/training.md describes: one SGD optimizer at the optimizer's lr;
each step records the lr the step runs with, then steps a per-step scheduler; the end of every
epoch that another step follows steps a per-epoch scheduler (ReduceLROnPlateau with that
epoch's metric). A phase ends when its clock reaches its length (steps, or ends of epochs that
ran in it), and the next starts with the lr reset to the optimizer's and a fresh scheduler, as
torch's SequentialLR does at a milestone. Where every phase is stepped alike, the curve is also
checked against torch's own SequentialLR (with its schedulers) before it is written, and a case
that sets one of reduce_on_plateau's subtler options (PLATEAU_SUBTLE) is checked to get another
curve with torch's default for it, so that the case really tests the option.
"""
import bisect
import json
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler as S

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ROOT = os.path.join(REPO, "tests", "golden", "schedules")

# The language's defaults, so schedule_data can be written from the few options a case sets.
PLATEAU_DEFAULTS = {
    "monitor": "val_loss", "mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4,
    "threshold_mode": "rel", "cooldown": 0, "min_lr": 0.0, "eps": 1e-8,
}

warnings.filterwarnings("ignore", category=UserWarning)


# ---- phases: (kind, options) in the language's terms ------------------------------------------

def length_of(options):
    if options.get("steps") is not None:
        return {"count": options["steps"], "unit": "step"}
    if options.get("epochs") is not None:
        return {"count": options["epochs"], "unit": "epoch"}
    return None


def phase_data(kind, o):
    """The phase as runtime/train/schedule-format.ts has it."""
    if kind == "constant":
        d = {"kind": "constant", "lr": o.get("lr")}
        if length_of(o) is not None:
            d["length"] = length_of(o)
        return d
    if kind == "warmup":
        return {"kind": "warmup", "from": float(o.get("from", 0.0)), "length": length_of(o)}
    if kind == "cosine":
        return {"kind": "cosine", "minLr": float(o.get("min_lr", 0.0)), "length": length_of(o)}
    if kind == "step":
        return {"kind": "step", "every": o["every"], "gamma": float(o.get("gamma", 0.1)), "unit": o.get("unit", "epoch")}
    if kind == "multistep":
        return {"kind": "multistep", "milestones": list(o["milestones"]), "gamma": float(o.get("gamma", 0.1)), "unit": o.get("unit", "epoch")}
    if kind == "exponential":
        return {"kind": "exponential", "gamma": float(o["gamma"]), "unit": o.get("unit", "epoch")}
    if kind == "inverse":
        return {"kind": "inverse", "decay": float(o["decay"]), "unit": o.get("unit", "epoch")}
    if kind == "reduce_on_plateau":
        p = dict(PLATEAU_DEFAULTS, **o)
        return {
            "kind": "reduce_on_plateau", "monitor": p["monitor"], "mode": p["mode"], "factor": float(p["factor"]),
            "patience": p["patience"], "threshold": float(p["threshold"]), "thresholdMode": p["threshold_mode"],
            "cooldown": p["cooldown"], "minLr": float(p["min_lr"]), "eps": float(p["eps"]),
        }
    raise ValueError(kind)


def reg_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(reg_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def reg_call(kind, o):
    if not o:
        return kind
    return kind + "(" + ", ".join(f"{k}={reg_value(v)}" for k, v in o.items()) + ")"


def spec_text(base_lr, phases):
    lines = [
        "model Tiny {",
        "  input x: f32[N, 4]",
        "  output y",
        "  y: linear(2)",
        "}",
        "",
        "train Tiny {",
        "  loss mse",
        f"  optimizer sgd(lr={reg_value(float(base_lr))})",
    ]
    if phases:
        lines.append("  schedule " + " then ".join(reg_call(k, o) for k, o in phases))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- the run, with torch's schedulers -----------------------------------------------------------

class Phase:
    """One phase's torch scheduler, made when the phase starts."""

    def __init__(self, opt, base_lr, kind, o, start, m):
        self.kind = kind
        self.length = length_of(o) if kind in ("constant", "warmup", "cosine") else None
        self.start = start
        self.steps = 0
        self.epoch_ends = 0
        for group in opt.param_groups:
            group["lr"] = base_lr  # the next phase starts from the optimizer's lr, as SequentialLR's step(0)
        self.sched = None
        self.unit = None  # what steps the scheduler: "step" or "epoch"
        if kind == "constant":
            if o.get("lr") is not None:
                for group in opt.param_groups:
                    group["lr"] = o["lr"]
        elif kind == "warmup":
            n = self.length["count"] if self.length["unit"] == "step" else (m - start % m) + (self.length["count"] - 1) * m
            start_factor = o.get("from", 0.0)
            if start_factor > 0:
                self.sched = S.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=n)
            else:
                # torch's LinearLR divides by zero when stepped from start_factor 0: its closed form instead.
                self.sched = S.LambdaLR(opt, lambda t, n=n: min(n, t) / n)
            self.unit = "step"
        elif kind == "cosine":
            self.sched = S.CosineAnnealingLR(opt, T_max=self.length["count"], eta_min=o.get("min_lr", 0.0))
            self.unit = self.length["unit"]
        elif kind == "step":
            self.sched = S.StepLR(opt, step_size=o["every"], gamma=o.get("gamma", 0.1))
            self.unit = o.get("unit", "epoch")
        elif kind == "multistep":
            self.sched = S.MultiStepLR(opt, milestones=o["milestones"], gamma=o.get("gamma", 0.1))
            self.unit = o.get("unit", "epoch")
        elif kind == "exponential":
            self.sched = S.ExponentialLR(opt, gamma=o["gamma"])
            self.unit = o.get("unit", "epoch")
        elif kind == "inverse":
            self.sched = S.LambdaLR(opt, lambda t, d=o["decay"]: 1 / (1 + d * t))
            self.unit = o.get("unit", "epoch")
        elif kind == "reduce_on_plateau":
            p = dict(PLATEAU_DEFAULTS, **o)
            self.sched = S.ReduceLROnPlateau(
                opt, mode=p["mode"], factor=p["factor"], patience=p["patience"], threshold=p["threshold"],
                threshold_mode=p["threshold_mode"], cooldown=p["cooldown"], min_lr=p["min_lr"], eps=p["eps"],
            )
            self.unit = "epoch"
        else:
            raise ValueError(kind)

    def describe(self):
        return "none (the lr is held)" if self.sched is None else type(self.sched).__name__ + f" stepped per {self.unit}"


def metric_value(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else v


def torch_curve(base_lr, phases, m, steps, metrics):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base_lr)
    index = 0
    phase = Phase(opt, base_lr, *phases[0], 0, m)
    used = [phase.describe()]

    def advance(start):
        nonlocal index, phase
        if index + 1 < len(phases):
            index += 1
            phase = Phase(opt, base_lr, *phases[index], start, m)
            used.append(phase.describe())

    lrs = []
    for s in range(steps):
        if s > 0 and s % m == 0 and s > phase.start:
            # The end of epoch s // m - 1, which ran (partly) in this phase.
            phase.epoch_ends += 1
            if phase.kind == "reduce_on_plateau":
                phase.sched.step(metric_value(metrics[s // m - 1]))
            elif phase.unit == "epoch":
                phase.sched.step()
            if phase.length and phase.length["unit"] == "epoch" and phase.epoch_ends >= phase.length["count"]:
                advance(s)
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.zeros(1)
        opt.step()
        phase.steps += 1
        if phase.unit == "step":
            phase.sched.step()
        if phase.length and phase.length["unit"] == "step" and phase.steps >= phase.length["count"]:
            advance(s + 1)
    return lrs, used


def sequential_curve(base_lr, makers, milestones, per, m, steps):
    """torch's own SequentialLR over the same phases, stepped once per `per`; the lr of every step."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base_lr)
    schedulers = [make(opt) for make in makers]
    seq = S.SequentialLR(opt, schedulers=schedulers, milestones=milestones)
    lrs = []
    for s in range(steps):
        if per == "epoch" and s > 0 and s % m == 0:
            seq.step()
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.zeros(1)
        opt.step()
        if per == "step":
            seq.step()
    return lrs


# ---- the cases ----------------------------------------------------------------------------------

def f32(values):
    """Metrics as float32 would hold them, so a .npy of float32 gives the same doubles."""
    out = []
    for v in values:
        out.append(v if isinstance(v, str) else float(torch.tensor(v, dtype=torch.float32).item()))
    return out


LOSSES = f32([1.0, 0.8, 0.7, 0.69995, 0.7, 0.71, 0.65, 0.65, 0.66, 0.649, 0.64, 0.64, 0.64, 0.64, 0.5,
              0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4])
ACCURACIES = f32([0.5, 0.6, 0.605, 0.61, 0.7, 0.7, 0.705, 0.71, 0.709, 0.8, 0.8, 0.8, 0.8, 0.8, 0.81,
                  0.9, 0.9, 0.9, 0.9, 0.9])

CASES = [
    # name, about, base lr, phases, steps per epoch, run (("epochs", E) or ("steps", K)), metrics
    ("none", "no schedule: the optimizer's lr throughout", 0.05, [], 4, ("epochs", 3), None),
    ("constant", "constant: the optimizer's lr", 0.1, [("constant", {})], 5, ("epochs", 4), None),
    ("constant-lr", "constant with its own lr", 0.1, [("constant", {"lr": 0.02})], 5, ("steps", 17), None),
    ("warmup-steps", "LinearLR over 10 steps from 0.1, then held (the last phase past its length)", 0.1,
     [("warmup", {"steps": 10, "from": 0.1})], 4, ("steps", 30), None),
    ("warmup-epochs-from-zero", "warmup over 2 epochs from 0 (torch's closed form: LinearLR cannot step from 0)", 0.2,
     [("warmup", {"epochs": 2})], 5, ("epochs", 4), None),
    ("cosine-steps-past-T", "CosineAnnealingLR per step, run past T_max: it rises again as torch's does", 0.1,
     [("cosine", {"steps": 40, "min_lr": 1e-4})], 7, ("steps", 100), None),
    ("cosine-epochs", "CosineAnnealingLR per epoch over the whole run", 0.01,
     [("cosine", {"epochs": 10})], 3, ("epochs", 10), None),
    ("cosine-min-above-lr", "min_lr above the lr, as torch's eta_min may be: the lr rises to it and falls back", 0.01,
     [("cosine", {"steps": 10, "min_lr": 0.05})], 5, ("steps", 25), None),
    ("step-epoch", "StepLR per epoch", 0.1, [("step", {"every": 2, "gamma": 0.5})], 4, ("epochs", 9), None),
    ("step-step", "StepLR per step", 0.1, [("step", {"every": 7, "gamma": 0.9, "unit": "step"})], 6, ("steps", 50), None),
    ("step-growth", "StepLR with gamma above 1, which torch allows: the lr grows", 0.01,
     [("step", {"every": 3, "gamma": 2.0, "unit": "step"})], 4, ("steps", 20), None),
    ("multistep-epoch", "MultiStepLR per epoch", 0.1, [("multistep", {"milestones": [2, 5, 8], "gamma": 0.3})], 4,
     ("epochs", 10), None),
    ("multistep-step", "MultiStepLR per step", 0.3, [("multistep", {"milestones": [5, 11, 12], "unit": "step"})], 4,
     ("steps", 20), None),
    ("multistep-unsorted-repeats", "milestones out of order and repeated: torch's MultiStepLR counts 6 twice (gamma^2)", 0.1,
     [("multistep", {"milestones": [6, 2, 6], "gamma": 0.5})], 2, ("epochs", 9), None),
    ("exponential-epoch", "ExponentialLR per epoch", 0.1, [("exponential", {"gamma": 0.9})], 3, ("epochs", 12), None),
    ("exponential-step", "ExponentialLR per step, partial last epoch", 0.1, [("exponential", {"gamma": 0.97, "unit": "step"})],
     8, ("steps", 61), None),
    ("inverse-epoch", "LambdaLR 1 / (1 + decay * t) per epoch", 0.5, [("inverse", {"decay": 0.5})], 4, ("epochs", 8), None),
    ("inverse-step", "LambdaLR 1 / (1 + decay * t) per step", 5e-4, [("inverse", {"decay": 1e-3, "unit": "step"})], 10,
     ("steps", 300), None),
    ("warmup-then-cosine", "warmup then cosine, both per step (checked against SequentialLR)", 0.1,
     [("warmup", {"steps": 8, "from": 0.01}), ("cosine", {"steps": 40, "min_lr": 1e-5})], 6, ("steps", 48), None),
    ("warmup-epochs-then-multistep", "warmup over 2 epochs, then MultiStepLR per epoch (as specs/resnet.reg)", 0.1,
     [("warmup", {"epochs": 2, "from": 0.1}), ("multistep", {"milestones": [3, 5], "gamma": 0.1})], 5, ("epochs", 10), None),
    ("warmup-steps-then-cosine-epochs", "warmup ending mid-epoch, then cosine counting the epochs that end after it", 0.1,
     [("warmup", {"steps": 7, "from": 0.0}), ("cosine", {"epochs": 5, "min_lr": 0.001})], 4, ("epochs", 9), None),
    ("constant-epochs-then-exponential", "constant for 2 epochs, then ExponentialLR (checked against SequentialLR)", 0.1,
     [("constant", {"epochs": 2}), ("exponential", {"gamma": 0.8})], 3, ("epochs", 8), None),
    ("three-phases", "warmup, constant, step: every boundary", 0.2,
     [("warmup", {"steps": 5}), ("constant", {"steps": 6, "lr": 0.05}), ("step", {"every": 3, "gamma": 0.5, "unit": "step"})],
     4, ("steps", 30), None),
    ("plateau-min-rel", "ReduceLROnPlateau with torch's defaults but patience 2 (relative threshold)", 0.1,
     [("reduce_on_plateau", {"patience": 2})], 3, ("epochs", 22), LOSSES),
    ("plateau-factor-min-lr", "factor 0.5, patience 0, min_lr reached", 0.1,
     [("reduce_on_plateau", {"factor": 0.5, "patience": 0, "min_lr": 0.02})], 2, ("epochs", 22), LOSSES),
    ("plateau-max-abs-threshold", "mode max, threshold_mode abs, threshold 0.01", 0.1,
     [("reduce_on_plateau", {"monitor": "val_accuracy", "mode": "max", "patience": 1, "threshold": 0.01, "threshold_mode": "abs"})],
     3, ("epochs", 20), ACCURACIES),
    ("plateau-min-abs-cooldown", "mode min, threshold_mode abs, cooldown 2, patience 0", 0.1,
     [("reduce_on_plateau", {"patience": 0, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 2, "factor": 0.5})],
     2, ("epochs", 22), LOSSES),
    ("plateau-max-rel-cooldown", "mode max, threshold_mode rel, cooldown 1", 0.1,
     [("reduce_on_plateau", {"monitor": "val_accuracy", "mode": "max", "patience": 1, "threshold": 0.01, "cooldown": 1})],
     3, ("epochs", 20), ACCURACIES),
    ("plateau-eps", "reductions smaller than eps are skipped", 0.01,
     [("reduce_on_plateau", {"factor": 0.5, "patience": 0, "eps": 1e-3})], 2, ("epochs", 22), LOSSES),
    ("plateau-min-rel-cooldown", "mode min, threshold_mode rel, cooldown 3, patience 1", 0.1,
     [("reduce_on_plateau", {"patience": 1, "cooldown": 3, "factor": 0.5})], 2, ("epochs", 22), LOSSES),
    ("plateau-min-abs", "mode min, threshold_mode abs, threshold 0.06, no cooldown", 0.1,
     [("reduce_on_plateau", {"patience": 1, "threshold": 0.06, "threshold_mode": "abs", "factor": 0.5})],
     2, ("epochs", 22), LOSSES),
    ("plateau-max-abs-cooldown", "mode max, threshold_mode abs, cooldown 2, patience 0", 0.1,
     [("reduce_on_plateau", {"monitor": "val_accuracy", "mode": "max", "patience": 0, "threshold": 0.005,
                             "threshold_mode": "abs", "cooldown": 2, "factor": 0.5})],
     3, ("epochs", 20), ACCURACIES),
    ("plateau-eps-at-min-lr", "the last reduction, clamped to min_lr, changes the lr by less than eps: skipped for good", 0.01,
     [("reduce_on_plateau", {"factor": 0.5, "patience": 0, "min_lr": 0.0045, "eps": 1e-3})], 2, ("epochs", 22), LOSSES),
    ("plateau-min-lr-above-lr", "min_lr above the lr: a reduction would raise it, so torch never changes the lr", 0.01,
     [("reduce_on_plateau", {"factor": 0.5, "patience": 0, "min_lr": 0.05})], 2, ("epochs", 22), LOSSES),
    ("plateau-non-finite", "NaN is never an improvement; inf is, in mode max", 0.1,
     [("reduce_on_plateau", {"mode": "max", "monitor": "val_accuracy", "patience": 1})], 2, ("epochs", 9),
     f32([0.5, "nan", "nan", 0.6, "inf", 0.7, "nan", "-inf", 1.0])),
    ("constant-then-plateau", "constant for 3 epochs, then ReduceLROnPlateau fed from epoch 4 on", 0.1,
     [("constant", {"epochs": 3}), ("reduce_on_plateau", {"factor": 0.5, "patience": 1})], 3, ("epochs", 22), LOSSES),
    ("warmup-constant-plateau", "warmup(steps) ending mid-epoch, constant(epochs), plateau (as specs/regularizers.reg)", 0.05,
     [("warmup", {"steps": 5}), ("constant", {"epochs": 2}), ("reduce_on_plateau", {"factor": 0.5, "patience": 1})],
     3, ("epochs", 20), LOSSES),
    ("warmup-then-plateau-at-boundary", "a step-length warmup ending at an epoch's end: that epoch's metric is not fed", 0.1,
     [("warmup", {"steps": 6, "from": 0.5}), ("reduce_on_plateau", {"patience": 0, "factor": 0.5})], 3, ("epochs", 12), LOSSES),
]

# Cases whose phases are all stepped alike, with the same curve from torch's SequentialLR.
SEQUENTIAL = {
    "warmup-then-cosine": (
        [lambda o: S.LinearLR(o, start_factor=0.01, total_iters=8), lambda o: S.CosineAnnealingLR(o, T_max=40, eta_min=1e-5)],
        [8], "step"),
    "constant-epochs-then-exponential": (
        [lambda o: S.ConstantLR(o, factor=1.0, total_iters=2), lambda o: S.ExponentialLR(o, gamma=0.8)], [2], "epoch"),
}


def close(a, b):
    return all(abs(x - y) <= 1e-12 + 1e-9 * abs(y) for x, y in zip(a, b)) and len(a) == len(b)


# reduce_on_plateau's options whose effect is easily lost in a run: a case that sets one must be
# one where it changes the curve.
PLATEAU_SUBTLE = ("threshold", "threshold_mode", "cooldown", "min_lr", "eps")


def check_options_matter(name, base_lr, phases, m, steps, metrics, lrs):
    """Each subtle reduce_on_plateau option a case sets changes its curve, so the case tests that option."""
    for i, (kind, o) in enumerate(phases):
        if kind != "reduce_on_plateau":
            continue
        for key in o:
            if key not in PLATEAU_SUBTLE or o[key] == PLATEAU_DEFAULTS[key]:
                continue
            without = list(phases)
            without[i] = (kind, {k: v for k, v in o.items() if k != key})
            assert not close(torch_curve(base_lr, without, m, steps, metrics)[0], lrs), \
                f"{name}: {key}={o[key]!r} gives the same curve as torch's default {PLATEAU_DEFAULTS[key]!r}"


def main():
    # Every case is computed and checked before any file changes, so a failed check leaves the
    # committed goldens as they were.
    cases = []
    for name, about, base_lr, phases, m, (run_kind, run_count), metrics in CASES:
        steps = run_count * m if run_kind == "epochs" else run_count
        run_phases = phases or [("constant", {})]
        lrs, used = torch_curve(base_lr, run_phases, m, steps, metrics)
        check_options_matter(name, base_lr, run_phases, m, steps, metrics, lrs)
        if name in SEQUENTIAL:
            makers, milestones, per = SEQUENTIAL[name]
            seq = sequential_curve(base_lr, makers, milestones, per, m, steps)
            assert close(lrs, seq), f"{name}: the phase loop and SequentialLR disagree"
        cases.append({
            "name": name,
            "about": about,
            "spec": spec_text(base_lr, phases),
            "schedule_data": {"version": 1, "baseLr": float(base_lr), "phases": [phase_data(k, o) for k, o in run_phases]},
            "steps_per_epoch": m,
            "epochs": run_count if run_kind == "epochs" else None,
            "steps": steps,
            "metrics": metrics,
            "lr": lrs,
            "torch": used,
        })
    os.makedirs(ROOT, exist_ok=True)
    for old in os.listdir(ROOT):
        if old.endswith(".json"):
            os.remove(os.path.join(ROOT, old))
    for case in cases:
        path = os.path.join(ROOT, f"{case['name']}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(case, f, indent=1, allow_nan=False)
            f.write("\n")
        os.replace(path + ".tmp", path)
    print(f"wrote {len(cases)} cases to {os.path.relpath(ROOT, REPO)}")


if __name__ == "__main__":
    main()
