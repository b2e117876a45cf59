"""Does each labelled direction do what its name says? The classifier's view of a slider sweep.

    python -m gencanvas.models.stylegan.edit_check --model resources/weights/stylegan-fashion \\
        --classifier resources/weights/fashion-classifier

For every labelled direction, the same seeded codes are drawn as the edit plugin draws them
(truncation ψ, the fixed noise pattern, the edit on every style layer) at each slider value,
and the mean probability the classifier gives the direction's class is reported. A direction
is *monotone* when that probability never falls as the slider rises: what an artist expects
from a slider called "sneaker".
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from gencanvas.models.evaluation import DomainClassifier, extract_features
from gencanvas.models.stylegan.config import EDIT_RANGE
from gencanvas.models.stylegan.directions import Directions, combine, generate_uint8, sample_w
from gencanvas.models.stylegan.files import load_generator
from gencanvas.models.stylegan.labels import fashion_classifier
from gencanvas.models.stylegan.network import Generator

DEFAULT_VALUES = (-EDIT_RANGE, -EDIT_RANGE / 2, 0.0, EDIT_RANGE / 2, EDIT_RANGE)  # the plugin's slider range


@dataclass
class EditResponse:
    name: str
    probabilities: list[float]  # mean class probability at each slider value

    @property
    def monotone(self) -> bool:
        return all(b >= a for a, b in zip(self.probabilities, self.probabilities[1:], strict=False))


@torch.no_grad()
def edit_responses(
    G: Generator,
    classifier: DomainClassifier,
    directions: Directions,
    class_names: list[str],
    values: tuple[float, ...] = DEFAULT_VALUES,
    *,
    seeds: int = 200,
    psi: float | None = None,
    seed: int = 0,
) -> list[EditResponse]:
    """One response per labelled direction whose name is a class of ``class_names``.

    ``psi`` defaults to the model's own default truncation, the one its samples are shown at.
    """
    size = classifier.config.image_size
    base = G.truncate(sample_w(G, seeds, seed=seed), G.config.default_truncation if psi is None else psi)
    responses = []
    for name, kind in zip(directions.names, directions.kinds, strict=False):
        if kind != "label" or name not in class_names:
            continue
        column = class_names.index(name)
        means = []
        for value in values:
            images = generate_uint8(G, base + directions.offset({name: value}), size=size)
            _, logits = extract_features(classifier, images)
            means.append(float(torch.from_numpy(logits).softmax(1)[:, column].mean()))
        responses.append(EditResponse(name, means))
    return responses


def choose_directions(
    G: Generator,
    classifier: DomainClassifier,
    candidates: list[Directions],
    class_names: list[str],
    *,
    seeds: int = 200,
    seed: int = 1,
) -> Directions:
    """Per labelled name, the candidate whose slider best does what its name says, judged on its own seeds.

    Each candidate (the same names, fitted by different methods) is swept on ``seeds`` codes
    drawn with ``seed``, which the card's check (seed 0) does not reuse: a monotone sweep beats
    one that is not, then the larger rise from the lowest slider value to the highest. The
    sweep is kept in the chosen direction's notes.
    """
    chosen = []
    for name in candidates[0].names:
        if name not in class_names:
            raise ValueError(f"direction {name!r} is not a class of the classifier ({', '.join(class_names)})")
        scored = []
        for candidate in candidates:
            single = candidate.only(name)
            (response,) = edit_responses(G, classifier, single, class_names, DEFAULT_VALUES, seeds=seeds, seed=seed)
            rise = response.probabilities[-1] - response.probabilities[0]
            scored.append(((response.monotone, rise), single, response))
        _, best, response = max(scored, key=lambda entry: entry[0])
        best.notes[name] = {
            **best.notes[name],
            "validation_sweep": [round(p, 3) for p in response.probabilities],
            "validation_seed": seed,
        }
        chosen.append(best)
    return combine(*chosen)


def markdown_table(responses: list[EditResponse], values: tuple[float, ...]) -> str:
    head = "| direction | " + " | ".join(f"{v:+g}" for v in values) + " | monotone |"
    rule = "| --- | " + " | ".join("---:" for _ in values) + " | --- |"
    rows = [
        f"| {r.name} | " + " | ".join(f"{p:.3f}" for p in r.probabilities) + f" | {'yes' if r.monotone else 'no'} |"
        for r in responses
    ]
    return "\n".join([head, rule, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gencanvas.models.stylegan.edit_check", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--model", type=Path, required=True, help="a StyleGAN folder with directions")
    parser.add_argument("--classifier", type=Path, default=Path("resources/weights/fashion-classifier"))
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--psi", type=float, help="truncation (default: the model's own)")
    parser.add_argument(
        "--values", default=",".join(f"{v:g}" for v in DEFAULT_VALUES), help="slider values, e.g. --values=-3,0,3"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    values = tuple(float(v) for v in args.values.split(","))
    G = load_generator(args.model)
    classifier = fashion_classifier(args.classifier)
    if not classifier.config.class_names:
        print(f"error: {args.classifier} has no class names to check directions against", file=sys.stderr)
        return 2
    responses = edit_responses(
        G,
        classifier,
        Directions.load(args.model),
        classifier.config.class_names,
        values,
        seeds=args.seeds,
        psi=args.psi,
    )
    print(markdown_table(responses, values))
    print(json.dumps({r.name: {"probabilities": r.probabilities, "monotone": r.monotone} for r in responses}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
