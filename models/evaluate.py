"""Evaluation CLI: ``python -m gencanvas.models.evaluate classifier|diffusion|samples|pix2pix ...``.

``classifier`` trains the domain feature extractor FD/KID are computed with; ``diffusion``
samples a trained model with several sampler:steps settings, ``samples`` a VAE's prior or a
StyleGAN, and scores each against held-out real images, next to a floor (real train vs test),
two sanity rows (blurred and patch-shuffled real images) and a ceiling (noise vs test), so
the numbers can be read without knowing the feature scale.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.data.splits import split_data
from gencanvas.models.hardware import hardware
from gencanvas.models.training_args import DATA_HELP


def _command(argv: list[str]) -> str:
    return "python -m gencanvas.models.evaluate " + shlex.join(argv)


def run_classifier(args: argparse.Namespace, argv: list[str]) -> int:
    from gencanvas.models.data import licence_of
    from gencanvas.models.domain import write_domain_stats
    from gencanvas.models.evaluation import save_classifier, train_classifier

    train, test, note = split_data(args.data, size=args.size, limit=args.limit)
    if args.data == "emoji":  # real labels: the Unicode group/subgroup of each glyph
        from gencanvas.models.data.emoji_groups import caption_classes, with_classes

        class_of, names = caption_classes(train.captions + test.captions, args.min_subgroup)
        (train, dropped_train), (test, dropped_test) = (with_classes(d, class_of, names) for d in (train, test))
        note += f"; {dropped_train + dropped_test} images without a Unicode entry left out"
    start = time.perf_counter()
    model, accuracy = train_classifier(
        train, test, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=args.device
    )
    minutes = (time.perf_counter() - start) / 60
    if args.data == "emoji":
        model.config.min_subgroup = args.min_subgroup
    save_classifier(model, args.out)
    threshold = write_domain_stats(args.out, args.data)
    labels = (
        f"{model.config.num_classes} Unicode emoji classes from `emoji-test.txt` (Debian package `unicode-data`): "
        f"the subgroup where it has at least {args.min_subgroup} images in the set, else the group"
        if args.data == "emoji"
        else "class labels"
        if train.labels is not None
        else (
            f"{model.config.num_classes} pseudo-labels: k-means (seed {args.seed}) on the MiniLM embeddings of the "
            "captions, since a feature extractor needs some supervised signal and these images have no classes"
        )
    )
    c = model.config
    network = (
        "3 conv blocks (32/64/128, BatchNorm, GELU, max-pool) + one 128-wide conv → 4×4 average pool → 128-d GELU "
        f"feature layer → {c.num_classes}-way head; {sum(p.numel() for p in model.parameters()):,} parameters, "
        f"{c.in_channels}×{c.image_size}×{c.image_size} inputs in [-1, 1]"
    )
    recipe = (
        f"{args.epochs} epochs, batch {args.batch_size}, AdamW lr {args.lr} (weight decay 0.05) with cosine decay, "
        f"random shifts of up to {max(1, train.size // 16)} px, seed {args.seed}"
    )
    card = f"""# Domain classifier: {args.data}

Feature extractor for FD / KID / class agreement in `python -m gencanvas.models.evaluate diffusion`
(its 128-d feature layer replaces Inception-v3, which knows nothing of this domain).

- **Data**: {args.data} — {licence_of(args.data)}
- **Split**: trained on {len(train)} images, tested on {note}
- **Targets**: {labels}
- **Network**: {network}
- **Training**: {recipe}
- **Command**: `{_command(argv)}`
- **Training time**: {minutes:.1f} min on {hardware(args.device)}
- **Test accuracy**: {accuracy:.2%}
- **Domain check** (`domain.json`, the app's off-domain notice): per-pixel statistics of 16×16 thumbnails of the
  training images; 99 % of test images score below {threshold:.2f}

Files: `config.json` (architecture, class names, test accuracy) and `model.safetensors`.
"""
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    print(f"test accuracy {accuracy:.2%} after {minutes:.1f} min; wrote {args.out}")
    return 0


def _real_sets(
    train: ImageCaptionDataset, test: ImageCaptionDataset, n: int, seed: int
) -> tuple[ImageCaptionDataset, ImageCaptionDataset]:
    """The real images a run of ``n`` generated ones is scored against: up to ``n`` held-out ones, and up to ``n``
    training ones for the floor and sanity rows. Small domains have fewer than ``n`` of either; the generated count
    stays ``n`` (a few hundred samples say little of a generator) and the table compares at the floor's n."""
    n_test, n_train = min(n, len(test)), min(n, len(train))
    if n_test < n or n_train < n:
        print(f"{n} generated images vs {n_test} held-out real ones; floor from {n_train} training images")
    return train.subset(n_train, seed), test.subset(n_test, seed)


def run_diffusion(args: argparse.Namespace, argv: list[str]) -> int:
    from tqdm import tqdm

    from gencanvas.models.diffusion.files import load_model
    from gencanvas.models.diffusion.sampling import SAMPLERS, sample
    from gencanvas.models.diffusion.text import TextEncoder
    from gencanvas.models.evaluation import extract_features, load_classifier
    from gencanvas.models.evaluation.caption_classes import caption_classes
    from gencanvas.models.evaluation.table import reference_rows, row

    configs = [(name.strip(), int(steps)) for name, steps in (item.split(":") for item in args.samplers.split(","))]
    if unknown := [name for name, _ in configs if name not in SAMPLERS]:
        raise SystemExit(f"unknown sampler(s) {', '.join(unknown)}; choose from {', '.join(SAMPLERS)}")
    model = load_model(args.model, args.device)
    classifier = load_classifier(args.classifier, args.device)
    cc, mc = classifier.config, model.config
    if (cc.in_channels, cc.image_size) != (mc.channels, mc.image_size):
        raise SystemExit(
            f"classifier takes {cc.in_channels}x{cc.image_size}px, the model makes {mc.channels}x{mc.image_size}px"
        )
    train, test, note = split_data(args.data, size=mc.image_size, limit=args.limit)
    n = args.n
    cluster_of = None if test.labels is not None else caption_classes(args.data, train, test, cc)
    captions = train.captions  # prompts follow the whole training set's captions, whatever the floor's size
    train, test = _real_sets(train, test, n, args.seed)
    guidance = mc.default_guidance if args.guidance is None else args.guidance
    above = mc.guidance_above_sigma if args.guidance_above_sigma is None else args.guidance_above_sigma
    wanted = to_classifier = None
    if test.labels is not None and test.class_names:
        if missing := [c for c in test.class_names if c not in (cc.class_names or [])]:
            raise SystemExit(f"the classifier does not know the classes {missing}")
        to_classifier = torch.tensor([(cc.class_names or []).index(c) for c in test.class_names])
        prompts = [test.class_names[i % len(test.class_names)] for i in range(n)]
        wanted = to_classifier[torch.arange(n) % len(test.class_names)]
    else:  # no classes: prompt with random training captions, so prompts follow the caption distribution
        picks = torch.randint(len(captions), (n,), generator=torch.Generator().manual_seed(args.seed))
        prompts = [captions[i] for i in picks.tolist()]
        if cluster_of is not None:  # agreement with the prompt's caption cluster, the classes the classifier knows
            wanted = torch.tensor([cluster_of.get(p, -1) for p in prompts])
    real = extract_features(classifier, test.images, args.batch_size, progress=True)
    encoder = TextEncoder(args.device)
    encoder.encode(sorted(set(prompts)))  # warm the cache so timings measure sampling only
    rows = []
    for name, steps in configs:
        generator = torch.Generator(args.device).manual_seed(args.seed)  # same noise for every sampler
        images, seconds = [], 0.0
        for start in tqdm(range(0, n, args.batch_size), desc=f"{name}:{steps}", unit="batch"):
            text = encoder.encode(prompts[start : start + args.batch_size])
            began = time.perf_counter()
            x = sample(
                model,
                text,
                sampler=name,
                steps=steps,
                guidance=guidance,
                guidance_above_sigma=above,
                generator=generator,
            )
            if x.is_cuda:
                torch.cuda.synchronize()
            seconds += time.perf_counter() - began
            images.append(((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).cpu())
        fake = extract_features(classifier, torch.cat(images), args.batch_size)
        rows.append(row(f"{name}:{steps}", real, fake, wanted, seconds / n, len(train), sampler=name, steps=steps))
    floor_wanted: torch.Tensor | None
    if to_classifier is not None:
        floor_wanted = to_classifier[train.labels]
    else:
        floor_wanted = None if cluster_of is None else torch.tensor([cluster_of.get(c, -1) for c in train.captions])
    rows += reference_rows(classifier, real, train.images, floor_wanted, args.batch_size, args.seed)
    info = _run_info(args, argv, note, n, rows, guidance=guidance, guidance_above_sigma=above, n_real=len(test))
    agreement = (
        " Class agreement: the classifier's class for each image vs the class of its prompt's caption "
        "(for the floor and sanity rows: of the image's own caption)."
        if cluster_of is not None
        else ""
    )
    where = f" at noise levels σ > {above:g}" if above else ""
    _write_results(args, info, f"Diffusion evaluation: {args.model}", f"guidance {guidance}{where}; ", agreement)
    return 0


def _run_info(
    args: argparse.Namespace, argv: list[str], note: str, n: int, rows: list, **setting: Any
) -> dict[str, Any]:
    """What results.json records of an evaluation run: its inputs, ``setting`` (e.g. guidance), hardware, rows."""
    return {
        "model": str(args.model),
        "classifier": str(args.classifier),
        "data": args.data,
        "test_set": note,
        "n": n,
        **setting,
        "seed": args.seed,
        "device": args.device,
        "hardware": hardware(args.device),
        "command": _command(argv),
        "rows": rows,
    }


def _write_results(args: argparse.Namespace, info: dict, title: str, setting: str, extra: str) -> None:
    """results.json and results.md (the table with what its rows mean) under ``args.out``; prints the table."""
    from gencanvas.models.evaluation.table import FLOOR, markdown_table

    n, rows, n_real = info["n"], info["rows"], info["n_real"]
    n_floor = next(r["n"] for r in rows if r["config"] == FLOOR)
    chunks = n // n_floor
    at_floor_n = (
        f"the mean FD of the {chunks} disjoint chunks of {n_floor} generated images"
        if chunks > 1
        else f"the FD of the first {n_floor} generated images"
    )
    matched = (
        f" FD is biased upward by small sets, so with fewer training images than n the × floor column compares at the "
        f"floor's n: {at_floor_n}."
        if n_floor < n
        else ""
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    table = markdown_table(rows)
    (args.out / "results.md").write_text(
        f"# {title}\n\n"
        f"n = {n} generated images per config vs {n_real} of {info['test_set']}; {setting}seed {args.seed}; "
        f"{info['hardware']}.\n"
        f"Features: domain classifier `{args.classifier}`. Floor: {n_floor} real training images vs the test images "
        "(the best a generator can expect); sanity rows: the same training images blurred (Gaussian, σ = 2 px at "
        "64 px, 1 px at 32 px) or cut into an 8×8 grid of patches shuffled per image (a metric that can tell puts "
        "both ≥ 5× the floor); ceiling: uniform noise vs the test images. "
        f"KID: mean ± std over 10 subsets of half the smaller set, at most 1000.{matched}{extra}\n\n"
        f"Command: `{info['command']}`\n\n{table}\n",
        encoding="utf-8",
    )
    print(table)


def run_samples(args: argparse.Namespace, argv: list[str]) -> int:
    """FD / KID of an unconditional generator's samples (VAE prior, StyleGAN), with the same reference rows."""
    from gencanvas.models.evaluation import extract_features, load_classifier, median_nearest_distance
    from gencanvas.models.evaluation.table import reference_rows, row
    from gencanvas.models.generator_samples import generate

    classifier = load_classifier(args.classifier, args.device)
    cc = classifier.config
    train, test, note = split_data(args.data, size=cc.image_size, limit=args.limit)
    n = args.n
    train_features = extract_features(classifier, train.images, args.batch_size)[0]  # all of them: the copying check
    train, test = _real_sets(train, test, n, args.seed)
    real = extract_features(classifier, test.images, args.batch_size)
    rows = []
    for name, images, seconds in generate(args.model, n, cc.image_size, args.seed, args.device):
        fake = extract_features(classifier, images, args.batch_size)
        nearest = median_nearest_distance(fake[0], train_features)
        rows.append(row(name, real, fake, None, seconds / n, len(train), nearest_training_image=nearest))
    rows += reference_rows(classifier, real, train.images, None, args.batch_size, args.seed)
    held_out_nearest = median_nearest_distance(real[0], train_features)
    info = _run_info(args, argv, note, n, rows, held_out_nearest_training_image=held_out_nearest, n_real=len(test))
    samples = ", ".join(
        f"{r['config']} {r['nearest_training_image']:.3g}" for r in rows if "nearest_training_image" in r
    )
    copying = (
        " Copying check (median distance in the classifier's features to the nearest of all training images): "
        f"{samples}; held-out real images {held_out_nearest:.3g} (a generator that copies its training set sits far "
        "below that)."
    )
    _write_results(args, info, f"Sample evaluation: {args.model}", "", copying)
    return 0


def run_pix2pix(args: argparse.Namespace, argv: list[str]) -> int:
    from gencanvas.models.evaluation import load_classifier
    from gencanvas.models.pix2pix.evaluation import evaluate, results_markdown, update_card
    from gencanvas.models.pix2pix.files import load_generator

    generator = load_generator(args.model, args.device)
    train, test, note = split_data(args.data, size=generator.config.image_size, limit=args.limit)
    test = test.subset(args.n, args.seed)
    classifier = load_classifier(args.classifier, args.device) if args.classifier else None
    metrics, fd, fd_note = evaluate(generator, train, test, classifier, args.seed)
    info = {
        "model": str(args.model),
        "classifier": str(args.classifier),
        "data": args.data,
        "test_set": note,
        "hardware": hardware(args.device),
        "command": _command(argv),
        **metrics,
        "fd": fd,
        "fd_note": fd_note,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    section = results_markdown(metrics, note, fd, fd_note, info["command"])
    (args.out / "results.md").write_text(f"# pix2pix evaluation: {args.model}\n\n{section}", encoding="utf-8")
    if args.update_card:
        update_card(args.model, section)
    print(section)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m gencanvas.models.evaluate", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classifier", help="train the domain classifier used as feature extractor")
    c.add_argument("--data", required=True, help=DATA_HELP)
    c.add_argument("--out", type=Path, required=True, help="folder for config.json, model.safetensors, MODEL_CARD.md")
    c.add_argument("--size", type=int, help="image size (default: 32 for fashion-mnist, 64 otherwise)")
    c.add_argument("--epochs", type=int, default=3)
    c.add_argument("--batch-size", type=int, default=64)
    c.add_argument("--lr", type=float, default=2e-3)
    c.add_argument("--min-subgroup", type=int, default=40, help="emoji: images a subgroup needs to be its own class")
    d = sub.add_parser("diffusion", help="FD / KID / class agreement of a diffusion model per sampler")
    d.add_argument("--model", type=Path, required=True, help="diffusion model folder")
    d.add_argument("--classifier", type=Path, required=True, help="domain classifier folder")
    d.add_argument("--data", required=True, help=DATA_HELP)
    d.add_argument("--n", type=int, default=5000, help="images per sampler config (and real images compared)")
    d.add_argument("--samplers", default="ddpm:1000,ddim:50,dpm++:20,euler-a:30", help="comma-separated sampler:steps")
    d.add_argument("--guidance", type=float, help="default: the model's own")
    d.add_argument(
        "--guidance-above-sigma", type=float, help="guide only at noise levels above this (default: the model's own)"
    )
    d.add_argument("--batch-size", type=int, default=250)
    d.add_argument("--out", type=Path, required=True, help="folder for results.json and results.md")
    x = sub.add_parser("pix2pix", help="L1 / PSNR / edge F1 / FD of a sketch-to-photo model on held-out images")
    x.add_argument("--model", type=Path, required=True, help="pix2pix model folder")
    x.add_argument("--classifier", type=Path, help="domain classifier folder for FD (optional)")
    x.add_argument("--data", required=True, help=DATA_HELP)
    x.add_argument("--n", type=int, default=200, help="held-out images scored")
    x.add_argument("--out", type=Path, required=True, help="folder for results.json and results.md")
    x.add_argument("--update-card", action="store_true", help="also replace the model card's Evaluation section")
    g = sub.add_parser("samples", help="FD / KID of a VAE's prior samples or a StyleGAN's samples")
    g.add_argument("--model", type=Path, required=True, help="vae or stylegan model folder")
    g.add_argument("--classifier", type=Path, required=True, help="domain classifier folder")
    g.add_argument("--data", required=True, help=DATA_HELP)
    g.add_argument("--n", type=int, default=2000, help="generated images (and real images compared)")
    g.add_argument("--batch-size", type=int, default=250)
    g.add_argument("--out", type=Path, required=True, help="folder for results.json and results.md")
    for p in (c, d, x, g):
        p.add_argument("--limit", type=int, help="load only the first N images of each split (quick runs)")
        p.add_argument("--device", default="cpu", help="cpu, cuda, ...")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    commands = {
        "classifier": run_classifier,
        "diffusion": run_diffusion,
        "pix2pix": run_pix2pix,
        "samples": run_samples,
    }
    return commands[args.command](args, argv)


if __name__ == "__main__":
    sys.exit(main())
