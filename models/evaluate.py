"""Evaluation CLI: ``python -m gencanvas.models.evaluate classifier|diffusion ...``.

``classifier`` trains the domain feature extractor FD/KID are computed with; ``diffusion``
samples a trained model with several sampler:steps settings and scores each against
held-out real images, next to a floor (real train vs test) and a ceiling (noise vs test)
so the numbers can be read without knowing the feature scale.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from gencanvas.models.data.splits import split_data
from gencanvas.models.hardware import hardware

DATA_HELP = "fashion-mnist, emoji, or a folder of your own images"


def _command(argv: list[str]) -> str:
    return "python -m gencanvas.models.evaluate " + shlex.join(argv)


def run_classifier(args: argparse.Namespace, argv: list[str]) -> int:
    from gencanvas.models.data import licence_of
    from gencanvas.models.evaluation import save_classifier, train_classifier

    train, test, note = split_data(args.data, size=args.size, limit=args.limit)
    start = time.perf_counter()
    model, accuracy = train_classifier(
        train, test, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=args.device
    )
    minutes = (time.perf_counter() - start) / 60
    save_classifier(model, args.out)
    labels = (
        "class labels"
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

Files: `config.json` (architecture, class names, test accuracy) and `model.safetensors`.
"""
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    print(f"test accuracy {accuracy:.2%} after {minutes:.1f} min; wrote {args.out}")
    return 0


def _row(name: str, real: tuple, fake: tuple, wanted, seconds: float | None, n: int, **extra) -> dict:
    from gencanvas.models.evaluation import class_agreement, frechet_distance, kernel_inception_distance

    # Subsets of half the set (at most the usual 1000): whole-set subsets would all be equal, std 0.
    kid_mean, kid_std = kernel_inception_distance(fake[0], real[0], subset_size=min(1000, max(2, n // 2)))
    agreement = class_agreement(fake[1], wanted) if wanted is not None else None
    return {
        "config": name,
        **extra,
        "n": n,
        "fd": frechet_distance(fake[0], real[0]),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "class_agreement": agreement,
        "seconds_per_image": seconds,
    }


def _caption_clusters(train, test, classifier_config) -> dict[str, int] | None:
    """Caption → the pseudo-class a classifier of unlabelled images was trained on, re-derived the same way.

    The classifier CLI clusters the captions of both splits (k-means, seed 0 by default); the
    names it stored must come out again, else the ids would not match and agreement is skipped.
    """
    from gencanvas.models.evaluation import labels_for

    train_labels, test_labels, names = labels_for(train, test, classifier_config.num_classes, seed=0)
    if names != classifier_config.class_names:
        print("the classifier's caption clusters are not this data's: class agreement skipped")
        return None
    return dict(zip(train.captions + test.captions, train_labels.tolist() + test_labels.tolist(), strict=False))


def markdown_table(rows: list[dict]) -> str:
    """One line per row: config, FD, KID mean ± std, class agreement, seconds per image."""
    lines = ["| config | FD ↓ | KID ↓ | class agreement ↑ | s / image |", "| --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        agree = "—" if r["class_agreement"] is None else f"{r['class_agreement']:.1%}"
        secs = "—" if r["seconds_per_image"] is None else f"{r['seconds_per_image']:.4f}"
        lines.append(f"| {r['config']} | {r['fd']:.4g} | {r['kid_mean']:.3g} ± {r['kid_std']:.2g} | {agree} | {secs} |")
    return "\n".join(lines)


def run_diffusion(args: argparse.Namespace, argv: list[str]) -> int:
    from tqdm import tqdm

    from gencanvas.models.diffusion.files import load_model
    from gencanvas.models.diffusion.sampling import SAMPLERS, sample
    from gencanvas.models.diffusion.text import TextEncoder
    from gencanvas.models.evaluation import extract_features, load_classifier

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
    n = min(args.n, len(test), len(train))
    if n < args.n:
        print(f"only {n} real images to compare with: using n={n}")
    cluster_of = None if test.labels is not None else _caption_clusters(train, test, cc)
    train, test = train.subset(n, args.seed), test.subset(n, args.seed)
    guidance = mc.default_guidance if args.guidance is None else args.guidance
    wanted = to_classifier = None
    if test.labels is not None and test.class_names:
        if missing := [c for c in test.class_names if c not in (cc.class_names or [])]:
            raise SystemExit(f"the classifier does not know the classes {missing}")
        to_classifier = torch.tensor([(cc.class_names or []).index(c) for c in test.class_names])
        prompts = [test.class_names[i % len(test.class_names)] for i in range(n)]
        wanted = to_classifier[torch.arange(n) % len(test.class_names)]
    else:  # no classes: prompt with random training captions, so prompts follow the caption distribution
        picks = torch.randint(len(train), (n,), generator=torch.Generator().manual_seed(args.seed))
        prompts = [train.captions[i] for i in picks.tolist()]
        if cluster_of is not None:  # agreement with the prompt's caption cluster, the classes the classifier knows
            wanted = torch.tensor([cluster_of[p] for p in prompts])
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
            x = sample(model, text, sampler=name, steps=steps, guidance=guidance, generator=generator)
            if x.is_cuda:
                torch.cuda.synchronize()
            seconds += time.perf_counter() - began
            images.append(((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).cpu())
        fake = extract_features(classifier, torch.cat(images), args.batch_size)
        rows.append(_row(f"{name}:{steps}", real, fake, wanted, seconds / n, n, sampler=name, steps=steps))
    floor_wanted: torch.Tensor | None
    if to_classifier is not None:
        floor_wanted = to_classifier[train.labels]
    else:
        floor_wanted = None if cluster_of is None else torch.tensor([cluster_of[c] for c in train.captions])
    rows.append(
        _row(
            "floor (train vs test)",
            real,
            extract_features(classifier, train.images, args.batch_size),
            floor_wanted,
            None,
            n,
        )
    )
    noise = torch.randint(
        0, 256, tuple(test.images.shape), generator=torch.Generator().manual_seed(args.seed), dtype=torch.uint8
    )
    rows.append(
        _row("ceiling (uniform noise)", real, extract_features(classifier, noise, args.batch_size), wanted, None, n)
    )
    info = {
        "model": str(args.model),
        "classifier": str(args.classifier),
        "data": args.data,
        "test_set": note,
        "n": n,
        "guidance": guidance,
        "seed": args.seed,
        "device": args.device,
        "hardware": hardware(args.device),
        "command": _command(argv),
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    table = markdown_table(rows)
    (args.out / "results.md").write_text(
        f"# Diffusion evaluation: {args.model}\n\n"
        f"n = {n} generated images per config vs {note}; guidance {guidance}; seed {args.seed}; {info['hardware']}.\n"
        f"Features: domain classifier `{args.classifier}`. Floor: {n} real training images vs the test images "
        "(the best a generator can expect); ceiling: uniform noise vs the test images. "
        f"KID: mean ± std over 10 subsets of {min(1000, max(2, n // 2))}."
        + (
            " Class agreement: the classifier's class for each image vs the caption cluster of its prompt "
            "(for the floor: of the image's own caption)."
            if cluster_of is not None
            else ""
        )
        + "\n\n"
        f"Command: `{info['command']}`\n\n{table}\n",
        encoding="utf-8",
    )
    print(table)
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
    d = sub.add_parser("diffusion", help="FD / KID / class agreement of a diffusion model per sampler")
    d.add_argument("--model", type=Path, required=True, help="diffusion model folder")
    d.add_argument("--classifier", type=Path, required=True, help="domain classifier folder")
    d.add_argument("--data", required=True, help=DATA_HELP)
    d.add_argument("--n", type=int, default=5000, help="images per sampler config (and real images compared)")
    d.add_argument("--samplers", default="ddpm:1000,ddim:50,dpm++:20,euler-a:30", help="comma-separated sampler:steps")
    d.add_argument("--guidance", type=float, help="default: the model's own")
    d.add_argument("--batch-size", type=int, default=250)
    d.add_argument("--out", type=Path, required=True, help="folder for results.json and results.md")
    x = sub.add_parser("pix2pix", help="L1 / PSNR / edge F1 / FD of a sketch-to-photo model on held-out images")
    x.add_argument("--model", type=Path, required=True, help="pix2pix model folder")
    x.add_argument("--classifier", type=Path, help="domain classifier folder for FD (optional)")
    x.add_argument("--data", required=True, help=DATA_HELP)
    x.add_argument("--n", type=int, default=200, help="held-out images scored")
    x.add_argument("--out", type=Path, required=True, help="folder for results.json and results.md")
    x.add_argument("--update-card", action="store_true", help="also replace the model card's Evaluation section")
    for p in (c, d, x):
        p.add_argument("--limit", type=int, help="load only the first N images of each split (quick runs)")
        p.add_argument("--device", default="cpu", help="cpu, cuda, ...")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    return {"classifier": run_classifier, "diffusion": run_diffusion, "pix2pix": run_pix2pix}[args.command](args, argv)


if __name__ == "__main__":
    sys.exit(main())
