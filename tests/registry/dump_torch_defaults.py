"""Dump the signatures of the PyTorch callables the registry follows.

Run with a Python that has torch 1.13 (Debian's python3-torch), from the
repository root:

    python3 tests/registry/dump_torch_defaults.py > tests/registry/torch-defaults.json

The output is committed; registry tests compare defaults against it, so CI
never needs torch. Callables outside torch itself (torchvision, torchrl,
lightning) are not installed here and are not listed.
"""

import importlib
import inspect
import json
import math
import sys

CALLABLES = [
    "torch.nn.Linear",
    "torch.nn.Conv1d",
    "torch.nn.Conv2d",
    "torch.nn.MaxPool1d",
    "torch.nn.MaxPool2d",
    "torch.nn.AvgPool1d",
    "torch.nn.AvgPool2d",
    "torch.nn.AdaptiveAvgPool2d",
    "torch.nn.Flatten",
    "torch.reshape",
    "torch.transpose",
    "torch.cat",
    "torch.add",
    "torch.sub",
    "torch.mul",
    "torch.div",
    "torch.matmul",
    "torch.nn.ReLU",
    "torch.nn.LeakyReLU",
    "torch.nn.GELU",
    "torch.nn.SiLU",
    "torch.nn.Sigmoid",
    "torch.nn.Tanh",
    "torch.nn.Softmax",
    "torch.nn.LogSoftmax",
    "torch.nn.BatchNorm2d",
    "torch.nn.LayerNorm",
    "torch.nn.InstanceNorm2d",
    "torch.nn.GroupNorm",
    "torch.nn.LocalResponseNorm",
    "torch.nn.MultiheadAttention",
    "torch.nn.Dropout",
    "torch.nn.utils.weight_norm",
    "torch.nn.utils.spectral_norm",
    "torch.nn.CrossEntropyLoss",
    "torch.nn.NLLLoss",
    "torch.nn.BCEWithLogitsLoss",
    "torch.nn.MSELoss",
    "torch.optim.SGD",
    "torch.optim.Adam",
    "torch.optim.AdamW",
    "torch.optim.RMSprop",
    "torch.optim.lr_scheduler.LinearLR",
    "torch.optim.lr_scheduler.CosineAnnealingLR",
    "torch.optim.lr_scheduler.StepLR",
    "torch.optim.lr_scheduler.MultiStepLR",
    "torch.optim.lr_scheduler.ExponentialLR",
    "torch.optim.lr_scheduler.LambdaLR",
    "torch.optim.lr_scheduler.ReduceLROnPlateau",
    "torch.nn.utils.clip_grad_norm_",
    "torch.nn.utils.clip_grad_value_",
]


def resolve(path):
    # Attributes first: torch.nn.utils.weight_norm is both a function and a
    # module of that name, and the function is what the registry means.
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for depth, name in enumerate(parts[1:], start=2):
        if hasattr(obj, name):
            obj = getattr(obj, name)
        else:
            obj = importlib.import_module(".".join(parts[:depth]))
    return obj


def jsonable(value):
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # torch.optim's `required` sentinel and anything else without a plain value.
    return {"unrepresentable": repr(value)}


def documented_signature(obj):
    """Builtins such as torch.cat have no Python signature; their docstring's
    first line, `cat(tensors, dim=0, *, out=None) -> Tensor`, spells it out."""
    first_line = (obj.__doc__ or "").strip().splitlines()[0]
    header = first_line.split(" -> ")[0]
    scope = {}
    exec("def " + header.replace(obj.__name__ + "(", "_documented(", 1) + ": pass", {}, scope)
    return inspect.signature(scope["_documented"])


def parameters(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        signature = documented_signature(obj)
    result = {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is inspect.Parameter.empty or repr(param.default) == "<required parameter>":
            result[name] = {"required": True}
        else:
            result[name] = {"default": jsonable(param.default)}
    return result


def main():
    import torch

    dump = {"torch_version": torch.__version__, "callables": {}}
    for path in CALLABLES:
        dump["callables"][path] = parameters(resolve(path))
    json.dump(dump, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
