"""Op-level gradient goldens for reduce max (torch.amax), differentiated by torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/grad_reduce_max.py
It rewrites tests/golden/grad-ops/reduce-max/. torch's amax sends the gradient to every element
equal to the maximum, split evenly among ties; the cases draw small integers so that ties are
common. Each case is a folder <case>/ holding

    case.json              {"axes": [...], "keepDims": bool, "notes": ...}; axis 0 is the batch
    tensors.safetensors    `x`, `grad_output` (a seeded random cotangent), `output`
                           (x.amax(axes, keepdim)), `grad_input.x`

regc must give the same numbers within 1e-4 abs + 1e-3 rel.
"""
import json
import os
import shutil
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_case  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "grad-ops", "reduce-max")

# name, shape, axes, keepDims, values ("ties": integers in [-2, 2], "distinct": normal), notes
CASES = [
    ("last-axis-ties", (3, 4, 6), [2], True, "ties", "integers: most rows have tied maxima"),
    ("two-axes-ties", (3, 4, 6), [1, 2], False, "ties", "over 24 elements, several of them tied"),
    ("middle-axis-ties", (2, 5, 3), [1], False, "ties", "a middle axis, dropped"),
    ("all-equal", (2, 3, 4), [2], True, "equal", "every element ties: each gets a quarter of the gradient"),
    ("distinct", (3, 4, 5), [1], True, "distinct", "no ties: the argmax takes the whole gradient"),
]


def values(shape, kind):
    if kind == "ties":
        return torch.randint(-2, 3, shape).float()
    if kind == "equal":
        return torch.full(shape, 1.5)
    return torch.randn(shape)


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for name, shape, axes, keep, kind, notes in CASES:
        seeded(zlib.crc32(name.encode()))
        x = values(shape, kind).requires_grad_(True)
        y = x.amax(dim=axes, keepdim=keep)
        grad_output = torch.randn(y.shape)
        y.backward(grad_output)
        tensors = {"x": x.detach(), "grad_output": grad_output, "output": y.detach(), "grad_input.x": x.grad}
        write_case(ROOT, name, {"axes": axes, "keepDims": keep, "notes": notes}, tensors)
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
