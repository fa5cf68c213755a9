#!/usr/bin/env python3
"""PyTorch CPU baseline for `htdemucs bench`: the ORIGINAL demucs HTDemucs, run eagerly by torch.

Not part of the product (which never needs Python): a measuring tool for BENCHMARKS.md, so the
onnxruntime figure can be compared with PyTorch on the same machine, input and thread count.

    apt-get install -y python3-torch     # Debian's torch 1.13 (no PyPI here)
    /usr/bin/python3 bench/tools/pytorch_baseline.py --demucs /work/ref/demucs \
        --model ../shared/golden/htdemucs_6s/model.th --seconds 60 --threads 2 [--trace inner.pt]

It imports demucs from the --demucs source tree, with tiny stand-ins for the packages demucs imports
but HTDemucs inference does not use (openunmix, julius, omegaconf, dora) and for the few einops
`rearrange` patterns HTDemucs uses. It separates the same music-like input as the harness (the
golden synth_song mix tiled to --seconds) with demucs' own apply_model(shifts=0, split=True,
overlap=0.25) after one warm-up segment, and prints one JSON line.

--trace also writes the inner network (inputs mix [1,C,L], spec [1,2C,F,T]; outputs spec_out,
wave_out) traced with torch.jit.trace, for `htdemucs bench --torchscript` (libtorch via DJL). The
trace hooks HTDemucs' own _spec/_magnitude/_mask/_ispec so that forward() runs exactly the network
between them.
"""
import argparse
import json
import os
import sys
import time
import types


def install_stand_ins():
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    def wiener(*args, **kwargs):
        raise RuntimeError("openunmix wiener filtering is not available (HTDemucs uses cac=True)")

    module("openunmix")
    module("openunmix.filtering", wiener=wiener)
    module("julius")
    module("omegaconf", OmegaConf=type("OmegaConf", (), {}))
    module("dora")

    def fatal(*args):
        raise RuntimeError(" ".join(map(str, args)))

    module("dora.log", fatal=fatal)

    def rearrange(x, pattern, **sizes):
        key = pattern.replace(" ", "")
        if key == "bcft->bc(ft)":
            return x.reshape(x.shape[0], x.shape[1], -1)
        if key == "bc(ft)->bcft":
            return x.reshape(x.shape[0], x.shape[1], sizes["f"], -1)
        if key == "bcfrt1->b(t1fr)c":
            b, c, fr, t1 = x.shape
            return x.permute(0, 3, 2, 1).reshape(b, t1 * fr, c)
        if key in ("bct2->bt2c", "bt2c->bct2"):
            return x.permute(0, 2, 1)
        if key == "t2bc->bt2c":
            return x.permute(1, 0, 2)
        if key == "b(t1fr)c->bcfrt1":
            b, n, c = x.shape
            return x.reshape(b, sizes["t1"], n // sizes["t1"], c).permute(0, 3, 2, 1)
        raise NotImplementedError("einops stand-in: pattern " + pattern)

    module("einops", rearrange=rearrange)


def tiled_input(model_file, seconds, samplerate, channels):
    import numpy as np
    golden_dir = os.path.dirname(os.path.abspath(model_file))
    mix_file = os.path.join(golden_dir, "synth_song", "mix.npy")
    length = int(round(seconds * samplerate))
    if os.path.isfile(mix_file):
        mix = np.load(mix_file)[0]
        source = "golden synth_song mix (%.2f s) tiled to %.2f s" % (mix.shape[-1] / samplerate, seconds)
    else:
        rng = np.random.default_rng(42)
        mix = (0.1 * rng.standard_normal((channels, samplerate))).astype(np.float32)
        source = "white noise tiled to %.2f s" % seconds
    reps = -(-length // mix.shape[-1])
    return np.tile(mix, (1, reps))[:, :length].copy(), source


def trace_inner(model, out_file):
    import torch

    class Inner(torch.nn.Module):
        """HTDemucs.forward between _magnitude and _mask, by hooking those steps."""

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, mix, spec):
            m = self.m
            captured = {}
            m._spec = lambda x: spec
            m._magnitude = lambda z: z
            m._mask = lambda z, x: x

            def ispec(zout, length):
                captured["spec_out"] = zout
                return torch.zeros(1, dtype=mix.dtype)

            m._ispec = ispec
            wave_out = m(mix) - torch.zeros(1, dtype=mix.dtype)
            return captured["spec_out"], wave_out

    length = int(model.segment * model.samplerate)
    frames = -(-length // model.hop_length)
    mix = torch.randn(1, model.audio_channels, length)
    spec = torch.randn(1, 2 * model.audio_channels, model.nfft // 2, frames)
    inner = Inner(model).eval()
    with torch.no_grad():
        traced = torch.jit.trace(inner, (mix, spec), check_trace=False)
    traced.save(out_file)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demucs", required=True, help="demucs source tree (the directory holding demucs/)")
    p.add_argument("--model", required=True, help="demucs checkpoint (.th)")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--trace", help="also write the traced inner network here")
    a = p.parse_args()

    install_stand_ins()
    sys.path.insert(0, a.demucs)
    import torch
    torch.set_num_threads(a.threads)
    from demucs.states import load_model
    from demucs.apply import apply_model

    t0 = time.perf_counter()
    model = load_model(a.model).eval()
    load_s = time.perf_counter() - t0
    mix_np, source = tiled_input(a.model, a.seconds, model.samplerate, model.audio_channels)
    mix = torch.from_numpy(mix_np)
    ref = mix.mean(0)
    mix = (mix - ref.mean()) / ref.std()
    length = int(model.segment * model.samplerate)
    with torch.no_grad():
        w0 = time.perf_counter()
        model(mix[None, :, :length])
        warmup_s = time.perf_counter() - w0
        s0 = time.perf_counter()
        apply_model(model, mix[None], shifts=0, split=True, overlap=0.25, progress=False)
        wall = time.perf_counter() - s0
    result = {
        "torch": torch.__version__, "threads": torch.get_num_threads(), "input": source,
        "audio_seconds": a.seconds, "load_seconds": load_s, "first_segment_seconds": warmup_s,
        "wall_seconds": wall, "rtf": wall / a.seconds, "speed_x_realtime": a.seconds / wall,
    }
    if a.trace:
        trace_inner(load_model(a.model).eval(), a.trace)
        result["traced"] = a.trace
    print(json.dumps(result))


if __name__ == "__main__":
    main()
