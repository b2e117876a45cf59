"""LoRA switch time against checkpoint reload time: what changing LoRAs between jobs costs.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/sd_lora_switch.py     # tiny SD 1.5 and SDXL pipelines

GenCanvas keeps the loaded pipeline across jobs and switches LoRAs with peft adapters
(``gencanvas.models.sd.lora.apply_loras``). Rows, median of ``--repeat`` runs:
reload = loading the checkpoint again (diffusers folder, CPU, fp32), what a reload-based
switch would cost at least; first load = a LoRA file loaded into the cached pipeline for
the first time; switch = changing the active LoRA and weights among loaded adapters;
remove = back to no LoRA. Random weights, tiny architectures (as the tests use): the
figures show the ratio, not real-size seconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _report import report

from gencanvas.models.sd.importer import ModelInfo, classify_path
from gencanvas.models.sd.loading import load_checkpoint
from gencanvas.models.sd.lora import apply_loras
from gencanvas.models.sd.random_init import random_pipeline, tiny_configs, write_configs, write_tiny_lora

CONFIGS = Path(__file__).resolve().parents[1] / "resources" / "sd_configs"
BPE = CONFIGS / "clip_tokenizer" / "bpe_simple_vocab_16e6.txt.gz"


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def measure(family: str, folder: Path, repeat: int) -> list[list[object]]:
    original = random_pipeline(write_configs(folder / "cfg", tiny_configs(family)), family, BPE, tiny=True)
    original.save_pretrained(folder / "pipe")
    info = ModelInfo("pipe", folder / "pipe", "checkpoint", family, fmt="diffusers")  # type: ignore[arg-type]
    loras = [classify_path(write_tiny_lora(original, folder / f"l{i}.safetensors", "kohya", seed=i)) for i in range(2)]
    reload = [timed(lambda: load_checkpoint(info, CONFIGS, torch.float32)) for _ in range(repeat)]
    pipe = load_checkpoint(info, CONFIGS, torch.float32)
    first = [timed(lambda i=i: apply_loras(pipe, info, [(loras[i], 1.0)])) for i in range(2)]
    switch, remove = [], []
    for k in range(repeat):
        switch.append(timed(lambda k=k: apply_loras(pipe, info, [(loras[k % 2], 0.8), (loras[1 - k % 2], 0.3)])))
        remove.append(timed(lambda: apply_loras(pipe, info, [])))
    rows = []
    for label, values in (
        ("reload checkpoint", reload),
        ("first LoRA load", first),
        ("switch LoRAs", switch),
        ("remove LoRAs", remove),
    ):
        rows.append([family, label, f"{statistics.median(values):.1f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in ("sd15", "sdxl"):
            rows += measure(family, Path(tmp) / family, args.repeat)
    report("sd_lora_switch", ["family", "operation", "ms (median)"], rows)


if __name__ == "__main__":
    main()
