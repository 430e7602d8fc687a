"""Golden cases for the example specs: each specs/<spec>.reg against the same model in torch.

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/specs.py
It rewrites every folder under tests/golden/specs/, one per spec, in the layout of
models.py's cases (model.reg, weights.safetensors, io.safetensors, case.json). model.reg
is a byte-for-byte copy of the spec, and the test fails when the two drift apart, so
after editing a spec, run this script again (and adjust its torch module when the
model changed).

case.json also records the spec's input and output names ("input", "output"), which
name the tensors of io.safetensors.

Each torch module is written so that its state_dict names are exactly the spec's
tensor names, and its parameters and buffers are randomised with models.py's
`randomise`. Only eval semantics matter here: train sections are ignored, and
dropout, drop_path and dropconnect are the identity.
"""
import json
import os
import shutil
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402
from models import (  # noqa: E402
    BatchInstanceNorm, Lambda, Normalize, ScaleNorm, SwitchNorm, check_reference, encoder_by_hand, flatten, named,
    randomise, relu,
)

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SPECS = os.path.join(REPO, "specs")
ROOT = os.path.join(REPO, "tests", "golden", "specs")
DEFAULT_TOLERANCE = 1e-4

CASES = []


def spec_case(name, notes, tolerance=DEFAULT_TOLERANCE):
    """Registers a function returning (module, {input name: tensor}, output name) for specs/<name>.reg."""
    def register(build):
        CASES.append({"name": name, "build": build, "tolerance": tolerance, "notes": notes})
        return build
    return register


def leaky_relu():
    return nn.LeakyReLU(0.2)


def maxpool():
    return nn.MaxPool2d(2)


# ------------------------------------------------------------------ specs


@spec_case("mlp", notes="minmax(0, 255) on whole-number pixels, flatten, three linears, log_softmax over axis 1")
def mlp():
    m = named(
        (None, Lambda(lambda x: (x - 0.0) / 255.0)), (None, flatten()),
        ("fc1", nn.Linear(784, 64)), (None, relu()),
        ("fc2", nn.Linear(64, 32)), (None, relu()),
        ("fc3", nn.Linear(32, 10)), (None, Lambda(lambda x: F.log_softmax(x, 1))),
    )
    pixels = torch.randint(0, 256, (2, 1, 28, 28)).float()
    return m, {"image": pixels}, "log_probs"


@spec_case("fashion", notes="the sketch's classifier at full size: normalize, two conv-batchnorm-relu-maxpool stages with 32 and 64 "
                            "channels, dropout (identity at eval), two linears; images in [0, 1]")
def fashion():
    m = named(
        (None, Normalize([0.2860], [0.3530])),
        ("c1", nn.Conv2d(1, 32, 3, padding=1)), ("bn1", nn.BatchNorm2d(32, momentum=0.1, eps=1e-5)), (None, relu()), (None, maxpool()),
        ("c2", nn.Conv2d(32, 64, 3, padding=1)), ("bn2", nn.BatchNorm2d(64)), (None, relu()), (None, maxpool()),
        (None, flatten()),
        ("fc1", nn.Linear(64 * 7 * 7, 128)), (None, relu()),
        ("fc2", nn.Linear(128, 10)),
    )
    return m, {"image": torch.rand(2, 1, 28, 28)}, "logits"


class Basic(nn.Module):
    """resnet.reg's Basic block; drop_path is the identity at eval."""

    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(h + x)


class Down(nn.Module):
    """resnet.reg's Down block: strided main branch, strided 1x1 projection on the shortcut."""

    def __init__(self, cin, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, ch, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)
        self.proj = nn.Conv2d(cin, ch, 1, stride=2, bias=False)
        self.proj_bn = nn.BatchNorm2d(ch)

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(h + self.proj_bn(self.proj(x)))


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.normalize = Normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616])
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(Basic(8), Basic(8))
        self.layer2 = Down(8, 16)
        self.layer3 = nn.Sequential(Basic(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(self.normalize(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@spec_case("resnet", notes="torchvision-style names: two Basic blocks, a Down block with a strided 1x1 projection shortcut, "
                           "one more Basic block; normalize, global average pooling")
def resnet():
    return TinyResNet(), {"x": torch.rand(2, 3, 16, 16)}, "logits"


class Encoder(nn.Module):
    """transformer.reg: two nn.TransformerEncoderLayer(16, 2, 32, activation='gelu', batch_first=True),
    held as `layers` like nn.TransformerEncoder holds them, then flatten and a linear head."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.1, activation="gelu", batch_first=True, norm_first=False)
            for _ in range(2)
        ])
        self.head = nn.Linear(8 * 16, 10)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(torch.flatten(x, 1))


@spec_case("transformer", notes="two post-norm nn.TransformerEncoderLayer (d_model 16, 2 heads, ff 32, gelu, batch_first) "
                                "as `layers`, flatten, linear head; checked against the layers computed step by step")
def transformer():
    return Encoder(), {"tokens": torch.randn(2, 8, 16)}, "logits"


@spec_case("gan-discriminator", notes="spectral_norm on three convs and a linear, stored u, v from one power iteration "
                                      "from a random u; leaky_relu(0.2); images in [-1, 1]")
def gan_discriminator():
    sn = nn.utils.spectral_norm
    m = named(
        ("c1", sn(nn.Conv2d(3, 16, 4, stride=2, padding=1))), (None, leaky_relu()),
        ("c2", sn(nn.Conv2d(16, 32, 4, stride=2, padding=1))), (None, leaky_relu()),
        ("c3", sn(nn.Conv2d(32, 64, 4, stride=2, padding=1))), (None, leaky_relu()),
        (None, flatten()),
        ("fc", sn(nn.Linear(64 * 2 * 2, 1))),
    )
    return m, {"image": torch.rand(2, 3, 16, 16) * 2.0 - 1.0}, "logit"


class Normalizers(nn.Module):
    """normalizers.reg: batch_renorm at eval is batchnorm with running statistics, so
    BatchNorm2d stands for it; the normalisers torch lacks come from models.py."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.c2 = nn.utils.weight_norm(nn.Conv2d(8, 8, 3, padding=1), dim=0)
        self.renorm = nn.BatchNorm2d(8)
        self.c3 = nn.Conv2d(8, 8, 3, padding=1)
        self.inst = nn.InstanceNorm2d(8, affine=True, track_running_stats=True)
        self.c4 = nn.Conv2d(8, 8, 3, padding=1)
        self.gn = nn.GroupNorm(4, 8)
        self.c5 = nn.Conv2d(8, 8, 3, padding=1)
        self.bin = BatchInstanceNorm(8)
        self.c6 = nn.Conv2d(8, 8, 3, padding=1)
        self.sn = SwitchNorm(8)
        self.fc1 = nn.utils.spectral_norm(nn.Linear(8, 16))
        self.ln = nn.LayerNorm(16, eps=1e-6)
        self.fc2 = nn.Linear(16, 16)
        self.scale = ScaleNorm()
        self.fc3 = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.c1(x)))
        x = torch.relu(self.renorm(self.c2(x)))
        x = torch.relu(self.inst(self.c3(x)))
        x = torch.relu(self.gn(self.c4(x)))
        x = torch.relu(self.bin(self.c5(x)))
        x = torch.relu(self.sn(self.c6(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        x = torch.relu(self.ln(self.fc1(x)))
        x = torch.relu(self.scale(self.fc2(x)))
        return self.fc3(x)


@spec_case("normalizers", notes="every normaliser at eval with random running statistics: batchnorm, batch_renorm, instancenorm "
                                "with running statistics, groupnorm, batch_instance_norm, switchable_norm, layernorm, scalenorm; "
                                "weight_norm on a conv, spectral_norm on a linear")
def normalizers():
    return Normalizers(), {"x": torch.randn(2, 3, 8, 8)}, "logits"


class Residual(nn.Module):
    """regularizers.reg's Residual block; drop_path is the identity at eval."""

    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return torch.relu(x + self.c2(torch.relu(self.c1(x))))


class Regularized(nn.Module):
    """regularizers.reg: dropconnect on stem and fc1 leaves their weights as they are at eval."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.res = nn.Sequential(Residual(8), Residual(8))
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.res(torch.relu(self.stem(x)))
        x = torch.flatten(F.max_pool2d(x, 2), 1)
        return self.fc2(torch.relu(self.fc1(x)))


@spec_case("regularizers", notes="dropout, drop_path and dropconnect are the identity at eval: a conv stem, two residual "
                                 "blocks, maxpool, two linears")
def regularizers():
    return Regularized(), {"image": torch.randn(2, 1, 16, 16)}, "logits"


# ------------------------------------------------------------------ writing


def check_spec_reference(name, module, inputs, y):
    """models.py's batch-independence check, and the transformer's layers by hand."""
    check_reference(name, module, inputs, y)
    if name == "transformer":
        with torch.no_grad():
            by_hand = module.head(torch.flatten(encoder_by_hand(module.layers, inputs["tokens"]), 1))
        assert torch.allclose(by_hand, y, atol=1e-5, rtol=1e-5), "TransformerEncoderLayer fast path differs from the layer by hand"


def write_spec_case(entry):
    name = entry["name"]
    seeded(zlib.crc32(name.encode()))  # per case, so adding a case changes no other
    module, inputs, output = entry["build"]()
    randomise(module)
    module.eval()
    with torch.no_grad():
        y = module(*inputs.values())
    check_spec_reference(name, module, inputs, y)
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(SPECS, name + ".reg"), os.path.join(folder, "model.reg"))
    write_safetensors(os.path.join(folder, "weights.safetensors"), dict(module.state_dict()))
    (input_name,) = inputs
    write_safetensors(os.path.join(folder, "io.safetensors"), {input_name: inputs[input_name], output: y})
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"family": "specs", "tolerance": entry["tolerance"], "notes": entry["notes"], "input": input_name, "output": output},
                  f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    specs = sorted(f[:-len(".reg")] for f in os.listdir(SPECS) if f.endswith(".reg"))
    covered = sorted(entry["name"] for entry in CASES)
    if specs != covered:
        sys.exit(f"specs/ holds {specs}, this script builds {covered}: write a case for each spec")
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for entry in CASES:
        write_spec_case(entry)
        print(f"wrote {entry['name']}")


if __name__ == "__main__":
    main()
