"""Gradient goldens: every whole-model case of models.py, differentiated by torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/gradients.py
It rewrites tests/golden/gradients/. For each model case and mode (eval, and train where the
model has no randomness torch's RNG would decide) there is a folder <mode>/<case>/ holding

    model.reg              the spec (the model case's own)
    weights.safetensors    the module's state_dict before the pass
    tensors.safetensors    the input(s) under the spec's input names, `grad_output` (a seeded
                           random cotangent of the output), `output` (torch's forward result),
                           `grad.<name>` for every parameter (torch's .grad after
                           output.backward(grad_output)), `grad_input.<name>` for every input,
                           and in train mode `state.<name>` for every buffer after the pass
                           (running statistics, num_batches_tracked as F32)
    case.json              {"mode": ..., "output": name, "inputs": [names], "notes": ...}

regc must give the same numbers within 1e-4 abs + 1e-3 rel (gradients) and 1e-5 abs + 1e-4
rel (states).
"""
import json
import os
import shutil
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402
from models import CASES, randomise  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "gradients")

# Train-mode forward passes that draw random numbers (dropout, drop_path): regc's RNG is not torch's, so
# those are checked statistically elsewhere, not against these goldens.
RANDOM_IN_TRAINING = {"dropout-at-eval", "mlp", "transformer-encoder", "gan-discriminator", "lenet-fashion", "resnet-blocks"}
# Hand-written modules of models.py that implement eval mode only (batch-instance and switchable
# norm), and batch_renorm, whose reference there is BatchNorm (equal at eval only).
EVAL_ONLY_REFERENCE = {"norm-batch-renorm", "norm-batch-instance-norm", "norm-batch-instance-norm-extremes",
                       "norm-switchable-norm"}


def write_gradient_case(entry, mode):
    seeded(zlib.crc32(entry["name"].encode()))
    spec, module, inputs, output = entry["build"]()
    randomise(module)
    if entry["adjust"]:
        with torch.no_grad():
            entry["adjust"](module)
    weights = {k: v.clone() for k, v in module.state_dict().items()}
    module.train(mode == "train")
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    y = module(*leaves.values())
    grad_output = torch.randn(y.shape)
    y.backward(grad_output)
    tensors = {k: v.detach() for k, v in leaves.items()}
    tensors["grad_output"] = grad_output
    tensors["output"] = y.detach()
    for name, p in module.named_parameters():
        tensors["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    for name, leaf in leaves.items():
        tensors["grad_input." + name] = leaf.grad
    if mode == "train":
        for name, b in module.named_buffers():
            tensors["state." + name] = b.detach().float()
    folder = os.path.join(ROOT, mode, entry["name"])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(spec)
    write_safetensors(os.path.join(folder, "weights.safetensors"), weights)
    write_safetensors(os.path.join(folder, "tensors.safetensors"), tensors)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"mode": mode, "output": output, "inputs": list(inputs), "notes": entry["notes"]}, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        write_gradient_case(entry, "eval")
        if entry["name"] not in RANDOM_IN_TRAINING | EVAL_ONLY_REFERENCE:
            write_gradient_case(entry, "train")
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
