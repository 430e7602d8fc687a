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
import os
import shutil
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_gradient_case  # noqa: E402
from models import CASES, randomise  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "gradients")

# Train-mode forward passes that draw random numbers (dropout, drop_path): regc's RNG is not torch's, so
# those are checked statistically elsewhere, not against these goldens.
RANDOM_IN_TRAINING = {"dropout-at-eval", "mlp", "transformer-encoder", "gan-discriminator", "lenet-fashion", "resnet-blocks"}
# Hand-written modules of models.py that implement eval mode only (batch-instance and switchable
# norm), and batch_renorm, whose reference there is BatchNorm (equal at eval only).
EVAL_ONLY_REFERENCE = {"norm-batch-renorm", "norm-batch-instance-norm", "norm-batch-instance-norm-extremes",
                       "norm-switchable-norm"}


def write_case(entry, mode):
    seeded(zlib.crc32(entry["name"].encode()))
    spec, module, inputs, output = entry["build"]()
    randomise(module)
    if entry["adjust"]:
        with torch.no_grad():
            entry["adjust"](module)
    write_gradient_case(os.path.join(ROOT, mode, entry["name"]), mode, spec, module, inputs, output, entry["notes"])


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for entry in CASES:
        write_case(entry, "eval")
        if entry["name"] not in RANDOM_IN_TRAINING | EVAL_ONLY_REFERENCE:
            write_case(entry, "train")
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
