"""Shared helpers for the golden-data generators (run with Debian's /usr/bin/python3 + torch).

Golden cases are committed as data; CI never runs these scripts. Each case is a
folder holding `case.json` (what to build) and `tensors.safetensors` (inputs,
weights and expected outputs), written here without the safetensors package,
which Debian's torch 1.13 does not ship.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

DTYPES = {torch.float32: "F32", torch.int32: "I32", torch.int64: "I64", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> torch.Tensor (contiguous, little-endian on write)."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype == torch.float64:
            t = t.float()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def write_case(root, name, spec, tensors):
    """Writes root/name/case.json and root/name/tensors.safetensors."""
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(spec, f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(os.path.join(folder, "tensors.safetensors"), tensors)


def write_gradient_case(folder, mode, spec, module, inputs, output, notes):
    """One forward and backward pass of `module` in `mode` from a seeded random cotangent, written
    as the gradient goldens' layout (tests/train/gradient-cases.ts): model.reg, weights.safetensors
    (the state_dict before the pass), tensors.safetensors (the inputs, grad_output, output, grad.*,
    grad_input.*, and in train mode state.* for every buffer after the pass) and case.json."""
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
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.reg"), "w") as f:
        f.write(spec)
    write_safetensors(os.path.join(folder, "weights.safetensors"), weights)
    write_safetensors(os.path.join(folder, "tensors.safetensors"), tensors)
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"mode": mode, "output": output, "inputs": list(inputs), "notes": notes}, f, indent=2, sort_keys=True)
        f.write("\n")


def seeded(seed):
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


# The IR's unary and binary functions in torch, for epilogue references.
UNARY = {
    "relu": lambda x, a, b: torch.relu(x),
    "leaky_relu": lambda x, a, b: F.leaky_relu(x, 0.01 if a is None else a),
    "gelu": lambda x, a, b: F.gelu(x),
    "gelu_tanh": lambda x, a, b: F.gelu(x, approximate="tanh"),
    "silu": lambda x, a, b: F.silu(x),
    "sigmoid": lambda x, a, b: torch.sigmoid(x),
    "tanh": lambda x, a, b: torch.tanh(x),
    "neg": lambda x, a, b: -x,
    "exp": lambda x, a, b: torch.exp(x),
    "log": lambda x, a, b: torch.log(x),
    "sqrt": lambda x, a, b: torch.sqrt(x),
    "rsqrt": lambda x, a, b: torch.rsqrt(x),
    "abs": lambda x, a, b: torch.abs(x),
    "square": lambda x, a, b: torch.square(x),
    "affine": lambda x, a, b: (1.0 if a is None else a) * x + (0.0 if b is None else b),
}

BINARY = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "max": torch.maximum,
    "min": torch.minimum,
}
