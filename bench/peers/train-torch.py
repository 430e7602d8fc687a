"""One benchmark model's training step in PyTorch on the CPU, for bench/peers/train-run.ts.

    /usr/bin/python3 bench/peers/train-torch.py --model mlp --warmup 2 --runs 5

Loads the torch module of scripts/golden/bench_models.py from bench/models/<model>/weights.safetensors
and the benchmark batch from io.safetensors, then times steps of
    model.train(); opt.zero_grad(); loss = loss_fn(model(x), labels); loss.backward(); opt.step(); loss.item()
with torch.optim.SGD(lr=0.01, momentum=0.9) and the labels of bench/peers/train-setup.ts (the same
formulas). Prints one line `RESULT <json>` (a TrainRecord of train-protocol.ts) and exits.

Memory: torch.profiler(profile_memory=True) over one step after the warm-up records every allocation
and free of torch's CPU allocator; the peak of their running sum, plus what was live when the step
began (parameters, their .grad tensors, momentum buffers, running statistics, the batch), is the step's peak tensor memory.
It counts tensors only, not the interpreter, libraries or allocator slack; the process's resident-set
growth over the steps (ru_maxrss against the resident size before the first step) is given beside it.
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts", "golden"))
from bench_models import Cnn, Mlp, ResNet  # noqa: E402

LEARNING_RATE = 0.01
MOMENTUM = 0.9
# name -> (module factory, input name, loss, classes); as TRAIN_MODELS in train-setup.ts
MODELS = {
    "mlp": (Mlp, "x", "cross_entropy", 10),
    "cnn": (Cnn, "image", "cross_entropy", 10),
    "resnet": (ResNet, "x", "cross_entropy", 10),
    # The spec has no dropout, so neither has the torch layer here.
    "transformer": (lambda: torch.nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, activation="relu",
                                                             batch_first=True, norm_first=False), "x", "mse", None),
}

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    body = data[8 + header_len:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def labels_for(loss, batch, output_elements, classes):
    """train-setup.ts's trainLabels: integer arithmetic, so both sides get the same numbers."""
    if loss == "cross_entropy":
        return torch.tensor([(i * 7 + 3) % classes for i in range(batch)], dtype=torch.int64)
    j = torch.arange(output_elements, dtype=torch.int64)
    return ((j * 37) % 101).to(torch.float32) / 50 - 1


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_during(step):
    """Peak bytes allocated by torch's CPU allocator during step(), over what was live before it."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    # Every allocation (positive size) and free (negative) of the step, from the profiler's event tree,
    # wherever it happened (an op's allocations are its children there).
    changes = []
    pending = list(prof.profiler.kineto_results.experimental_event_tree())
    while pending:
        event = pending.pop()
        if "Allocation" in str(event.tag):
            changes.append((event.start_time_ns, event.extra_fields.alloc_size))
        pending.extend(event.children)
    live = peak = 0
    for _, change in sorted(changes):
        live += change
        peak = max(peak, live)
    return peak


def tensor_bytes(tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count())
    factory, input_name, loss_kind, classes = MODELS[args.model]
    folder = os.path.join(ROOT, "bench", "models", args.model)
    module = factory()
    module.load_state_dict(read_safetensors(os.path.join(folder, "weights.safetensors")))
    x = read_safetensors(os.path.join(folder, "io.safetensors"))[input_name].contiguous()
    labels = labels_for(loss_kind, x.shape[0], x.numel(), classes)
    if loss_kind == "mse":
        labels = labels.reshape(x.shape)
    optimizer = torch.optim.SGD(module.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    loss_fn = F.cross_entropy if loss_kind == "cross_entropy" else F.mse_loss

    def step():
        module.train()
        optimizer.zero_grad()
        loss = loss_fn(module(x), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    rss_before = resident_bytes()
    losses = [step()]
    for _ in range(args.warmup):
        losses.append(step())
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        losses.append(step())
        samples.append((time.perf_counter() - start) * 1000)
    # zero_grad() keeps the .grad tensors (torch 1.13's set_to_none=False), so they are live as a step begins.
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    persistent = tensor_bytes(module.parameters()) + tensor_bytes(grads) + tensor_bytes(module.buffers()) + tensor_bytes([x, labels])
    persistent += sum(tensor_bytes(s.values()) for s in optimizer.state.values())
    peak = peak_during(step)
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    print("RESULT " + json.dumps({
        "system": "torch-cpu",
        "model": args.model,
        "ok": True,
        "samplesMs": samples,
        "losses": losses,
        "torch": {
            "threads": torch.get_num_threads(),
            "version": torch.__version__,
            "memory": {"persistentBytes": persistent, "stepPeakBytes": peak, "totalBytes": persistent + peak, "rssGrowthBytes": rss_growth},
        },
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported as the record, as the Node children do
        import traceback
        print("RESULT " + json.dumps({"system": "torch-cpu", "model": sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "?",
                                      "ok": False, "error": traceback.format_exc()}))
        sys.exit(1)
