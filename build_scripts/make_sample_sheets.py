"""One sample sheet per shipped generator, drawn the way the app draws: for the README and reviews.

    python build_scripts/make_sample_sheets.py [--out runs/sample-sheets] [--n 16]

Diffusion models draw their first ``n`` known prompts (DPM-Solver++ 20 steps at the model's own
guidance); VAEs decode prior samples; StyleGANs draw seeds at their default truncation with the
fixed noise. Each sheet is ``<out>/<model>.png`` with the prompts listed in ``<model>.txt``.
Same seed, same sheets: a sheet only changes when a model does.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "resources" / "weights"


def diffusion_sheet(folder: Path, n: int, seed: int) -> tuple[torch.Tensor, list[str]]:
    from gencanvas.models.diffusion.files import load_model
    from gencanvas.models.diffusion.sampling import sample
    from gencanvas.models.diffusion.text import TextEncoder

    model = load_model(folder, "cpu")
    captions = list(model.config.captions or [])
    step = max(1, len(captions) // n)
    prompts = [captions[(i * step) % len(captions)] for i in range(n)] if captions else [""] * n
    text = TextEncoder("cpu").encode(prompts)
    generator = torch.Generator().manual_seed(seed)
    images = sample(model, text, steps=20, guidance=model.config.default_guidance, generator=generator)
    return images, prompts


def latent_sheet(folder: Path, n: int, seed: int) -> tuple[torch.Tensor, list[str]]:
    from gencanvas.models.generator_samples import generate

    size = json.loads((folder / "config.json").read_text(encoding="utf-8"))["image_size"]
    *_, (name, images, _) = generate(folder, n, size, seed)  # StyleGAN: the default truncation
    return images.float() / 127.5 - 1, [name]


def main() -> int:
    from gencanvas.models.diffusion.images import image_grid
    from gencanvas.models.json_config import model_kind

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "sample-sheets")
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    makers = {"diffusion": diffusion_sheet, "vae": latent_sheet, "stylegan": latent_sheet}
    for folder in sorted(p for p in WEIGHTS.iterdir() if (p / "model.safetensors").exists()):
        maker = makers.get(model_kind(folder) or "")
        if maker is None:
            continue
        images, notes = maker(folder, args.n, args.seed)
        grid = image_grid(images.cpu())
        picture = Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid)
        picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.NEAREST).save(
            args.out / f"{folder.name}.png"
        )
        (args.out / f"{folder.name}.txt").write_text("\n".join(notes) + "\n", encoding="utf-8")
        print(f"{folder.name}: {args.out / folder.name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
