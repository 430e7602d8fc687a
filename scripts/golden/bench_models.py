"""Weights, inputs, PyTorch outputs and ONNX graphs for the side-by-side benchmark (bench/peers/).

Run from the repository root with Debian's torch:
    /usr/bin/python3 scripts/golden/bench_models.py
For every model of bench/models/<name>.reg it rewrites the folder bench/models/<name>/:

    weights.safetensors  the torch module's state_dict (num_batches_tracked as I64, the rest F32),
                         loaded by name by regc and by the TF.js builders
    io.safetensors       the benchmark batch, named as the spec's input, and torch's eval output,
                         named as the spec's output: every system's max error is measured against it
    model.onnx           torch.onnx.export of the same module (opset 17, batch axis dynamic), for
                         ONNX Runtime. Its initializers that are byte-identical to a state_dict tensor
                         are stored as ONNX external data pointing into weights.safetensors (offset and
                         length), so the graph file stays small and ORT reads the very same bytes; the
                         tensors the exporter computed itself (batchnorm folded into the preceding
                         conv at eval) stay inline.

The torch modules name their submodules like the specs' labels, so the state_dict names are
the specs' parameter names. Values are randomised as for the model goldens (models.py), running
statistics included, so that batchnorm is not the identity.
"""
import io
import json
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import seeded, write_safetensors  # noqa: E402
from models import randomise  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "models")
ONNX_OPSET = 17  # the first with LayerNormalization as one op; torch 1.13 exports up to 17


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


class Basic(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(h + x)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(Basic(16), Basic(16), Basic(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer1(torch.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class EncoderByHand(nn.Module):
    """nn.TransformerEncoderLayer's eval computation, step by step, on the layer's own
    submodules. torch's layer takes a fused fast path at eval that the ONNX exporter
    does not know, so this is what gets exported; it must agree with the layer."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        layer = self.layer
        a, _ = layer.self_attn(x, x, x, need_weights=False)
        h = layer.norm1(x + a)
        return layer.norm2(h + layer.linear2(torch.relu(layer.linear1(h))))


def encoder_layer():
    return nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.1, activation="relu",
                                      batch_first=True, norm_first=False)


# name -> (module factory, input name, input factory, output name); the shapes and batch sizes
# are the benchmark's (bench/peers/models.ts reads them back from io.safetensors)
MODELS = {
    "mlp": (Mlp, "x", lambda: torch.rand(64, 784), "logits"),
    "cnn": (Cnn, "image", lambda: torch.randn(16, 1, 28, 28), "logits"),
    "resnet": (ResNet, "x", lambda: torch.randn(8, 3, 32, 32), "logits"),
    "transformer": (encoder_layer, "x", lambda: torch.randn(4, 64, 128), "y"),
}


# ------------------------------------------------------------------ protobuf, just enough for ONNX
# ONNX files are protobuf messages; Debian's torch ships no `onnx` package, so the few fields
# needed to move initializers to external data are read and written here by hand.
# ModelProto.graph = 7; GraphProto.initializer = 5; TensorProto: name = 8, raw_data = 9,
# external_data = 13 (StringStringEntryProto: key = 1, value = 2), data_location = 14 (EXTERNAL = 1).


def read_varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data):
    """A message as a list of (field number, wire type, payload bytes), in file order."""
    out = []
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        start = pos
        if wire == 0:
            _, pos = read_varint(data, pos)
            out.append((number, wire, data[start:pos]))
        elif wire == 1:
            pos += 8
            out.append((number, wire, data[start:pos]))
        elif wire == 2:
            length, pos = read_varint(data, pos)
            out.append((number, wire, data[pos:pos + length]))
            pos += length
        elif wire == 5:
            pos += 4
            out.append((number, wire, data[start:pos]))
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def encode(message_fields):
    out = bytearray()
    for number, wire, payload in message_fields:
        out += varint(number << 3 | wire)
        if wire == 2:
            out += varint(len(payload))
        out += payload
    return bytes(out)


def string_entry(key, value):
    return encode([(1, 2, key.encode()), (2, 2, value.encode())])


def externalise(onnx_bytes, safetensors_bytes, location):
    """Points every initializer whose raw bytes equal a tensor of the safetensors file at that
    tensor's bytes in the file. Returns (new ONNX bytes, names moved, names kept inline)."""
    header_len = struct.unpack("<Q", safetensors_bytes[:8])[0]
    header = json.loads(safetensors_bytes[8:8 + header_len])
    data_start = 8 + header_len
    by_content = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        by_content.setdefault(safetensors_bytes[data_start + begin:data_start + end], (data_start + begin, end - begin))

    moved, inline = [], []

    def rewrite_tensor(tensor):
        parts = fields(tensor)
        name = next((p.decode() for n, _, p in parts if n == 8), "?")
        raw = next((p for n, _, p in parts if n == 9), None)
        place = by_content.get(raw) if raw else None
        if place is None:
            inline.append(name)
            return tensor
        moved.append(name)
        offset, length = place
        kept = [f for f in parts if f[0] not in (9, 13, 14)]
        kept += [(13, 2, string_entry("location", location)), (13, 2, string_entry("offset", str(offset))),
                 (13, 2, string_entry("length", str(length))), (14, 0, varint(1))]
        return encode(kept)

    def rewrite_graph(graph):
        return encode([(n, w, rewrite_tensor(p) if n == 5 else p) for n, w, p in fields(graph)])

    model = encode([(n, w, rewrite_graph(p) if n == 7 else p) for n, w, p in fields(onnx_bytes)])
    return model, moved, inline


# ------------------------------------------------------------------ writing


def export_onnx(module, example, input_name, output_name):
    buffer = io.BytesIO()
    torch.onnx.export(module, (example,), buffer, input_names=[input_name], output_names=[output_name],
                      dynamic_axes={input_name: {0: "N"}, output_name: {0: "N"}}, opset_version=ONNX_OPSET,
                      do_constant_folding=True)
    return buffer.getvalue()


def write_model(name):
    factory, input_name, make_input, output_name = MODELS[name]
    if not os.path.exists(os.path.join(ROOT, f"{name}.reg")):
        raise SystemExit(f"bench/models/{name}.reg is missing")
    seeded(zlib.crc32(name.encode()))
    module = factory()
    randomise(module)
    module.eval()
    x = make_input()
    exported = EncoderByHand(module) if name == "transformer" else module
    with torch.no_grad():
        y = module(x)
        by_export_path = exported(x)
        for i in range(x.shape[0]):  # eval mode mixes no samples: row i depends on sample i alone
            assert torch.allclose(module(x[i:i + 1]), y[i:i + 1], atol=1e-5, rtol=1e-5), f"{name}: sample {i}"
    assert torch.allclose(by_export_path, y, atol=1e-5, rtol=1e-5), f"{name}: the exported module differs from torch's"

    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    weights_path = os.path.join(folder, "weights.safetensors")
    write_safetensors(weights_path, dict(module.state_dict()))
    write_safetensors(os.path.join(folder, "io.safetensors"), {input_name: x, output_name: y})
    with open(weights_path, "rb") as f:
        safetensors_bytes = f.read()
    onnx_bytes, moved, inline = externalise(export_onnx(exported.eval(), x, input_name, output_name),
                                            safetensors_bytes, "weights.safetensors")
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    print(f"wrote {name}: input {input_name} {list(x.shape)}, output {output_name} {list(y.shape)}, "
          f"onnx {len(onnx_bytes)} bytes ({len(moved)} initializers in weights.safetensors, "
          f"{len(inline)} inline: {', '.join(inline) or 'none'})")


def main():
    names = sys.argv[1:] or list(MODELS)
    for name in names:
        if name not in MODELS:
            raise SystemExit(f"unknown model {name}; models: {', '.join(MODELS)}")
        write_model(name)


if __name__ == "__main__":
    main()
