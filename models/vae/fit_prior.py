"""Fit a VAE's sampling prior to its encoded training set: ``python -m gencanvas.models.vae.fit_prior``.

Training fits the prior at export (``--prior-components``, :mod:`gencanvas.models.vae.fitting`);
this command does the same for a model already trained (optionally setting how many steps refine each
encoding, ``--refine-steps``), re-measures it (held-out reconstruction, FD of prior
samples on the domain classifier) and rewrites its weights, ``config.json``, ``samples.png``
and the metrics in ``training.json``. See :mod:`gencanvas.models.vae.prior` for why.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from gencanvas.models.vae.fitting import with_fitted_prior


def main(argv: list[str] | None = None) -> int:
    from gencanvas.models.data.splits import split_data
    from gencanvas.models.vae.command import METRIC_IMAGES, REFINE_HELP
    from gencanvas.models.vae.files import load_vae, save_vae
    from gencanvas.models.vae.metrics import as_json_ready, card_metrics
    from gencanvas.models.vae.training import save_preview

    parser = argparse.ArgumentParser(prog="python -m gencanvas.models.vae.fit_prior", description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="VAE folder (rewritten in place)")
    parser.add_argument("--data", required=True, help="the data it was trained on: fashion-mnist, emoji or a folder")
    parser.add_argument("--components", type=int, default=40, help="mixture components (0: back to N(0, I))")
    parser.add_argument("--classifier", type=Path, help="domain classifier for the FD of prior samples")
    parser.add_argument("--refine-steps", type=int, help=f"{REFINE_HELP.replace('; default 0', '')}; default: keep")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_vae(args.model)
    if args.refine_steps is not None:  # an inference setting: the fit below and the metrics use it
        model.config = replace(model.config, refine_steps=args.refine_steps)
    train, test, _ = split_data(args.data, size=model.config.image_size, limit=None)
    test_images = (test.subset(METRIC_IMAGES, args.seed) if len(test) > METRIC_IMAGES else test).images
    model = with_fitted_prior(model, train.images, args.components, args.seed)
    save_vae(model, args.model)
    save_preview(model, test_images, args.model / "samples.png")
    metrics = card_metrics(model, train, test_images, args.classifier, args.seed)
    record_path = args.model / "training.json"
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    record["metrics"] = as_json_ready(metrics) | {"prior_components": args.components}
    record_path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(json.dumps(record["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
