"""Edit directions in w: principal components (GANSpace) and labelled ones (InterFaceGAN).

A direction is a unit vector in w with a scale, the standard deviation of w along it, so a
slider value of 1 moves one typical spread whatever the direction. Edits add
``value · scale · vector`` to the chosen layers' w only (a layer range), which is how an
edit is kept to coarse shape (early layers) or to colour (late layers).

On disk: ``directions.safetensors`` (``vectors`` (K, w_dim), ``scales`` (K,)) and
``directions.json`` (names, kinds, how each was found) — the json is what the plugin reads
to build its sliders without loading torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from gencanvas.atomic import write_text_atomically
from gencanvas.models.stylegan.network import Generator
from gencanvas.models.weight_files import save_tensors

FILES = ("directions.safetensors", "directions.json")


@dataclass
class Directions:
    names: list[str]
    vectors: torch.Tensor  # (K, w_dim), unit length
    scales: torch.Tensor  # (K,), std of w along each vector
    kinds: list[str] = field(default_factory=list)  # "pca" or "label"
    notes: dict = field(default_factory=dict)  # per-name facts for the model card (variance, accuracy)

    def __post_init__(self) -> None:
        if self.vectors.shape[0] != len(self.names) or self.scales.shape != (len(self.names),):
            raise ValueError(
                f"{len(self.names)} names for vectors {tuple(self.vectors.shape)}, scales {tuple(self.scales.shape)}"
            )

    def offset(self, values: dict[str, float]) -> torch.Tensor:
        """Σ value·scale·vector over the named directions (unknown names are an error)."""
        unknown = set(values) - set(self.names)
        if unknown:
            raise KeyError(f"unknown directions {sorted(unknown)} (known: {self.names})")
        total = torch.zeros(self.vectors.shape[1], dtype=self.vectors.dtype, device=self.vectors.device)
        for name, value in values.items():
            i = self.names.index(name)
            total = total + float(value) * self.scales[i] * self.vectors[i]
        return total

    def only(self, name: str) -> Directions:
        """The one direction called ``name``, as a Directions of its own."""
        i = self.names.index(name)
        return Directions(
            [name], self.vectors[i : i + 1], self.scales[i : i + 1], [self.kinds[i]], {name: self.notes.get(name, {})}
        )

    def to(self, device: torch.device | str) -> Directions:
        return Directions(self.names, self.vectors.to(device), self.scales.to(device), self.kinds, self.notes)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        save_tensors(
            {"vectors": self.vectors.contiguous().cpu(), "scales": self.scales.contiguous().cpu()}, folder / FILES[0]
        )
        info = {"names": self.names, "kinds": self.kinds, "notes": self.notes}
        write_text_atomically(folder / FILES[1], json.dumps(info, indent=2))

    @classmethod
    def load(cls, folder: Path) -> Directions:
        folder = Path(folder)
        tensors = load_file(folder / FILES[0])
        info = json.loads((folder / FILES[1]).read_text(encoding="utf-8"))
        return cls(info["names"], tensors["vectors"], tensors["scales"], info.get("kinds", []), info.get("notes", {}))


def apply_edit(ws: torch.Tensor, offset: torch.Tensor, start: int, end: int) -> torch.Tensor:
    """Add ``offset`` to layers ``start``..``end`` (inclusive) of ``ws`` (N, num_ws, w_dim); a copy."""
    ws = ws.clone()
    ws[:, start : end + 1] += offset
    return ws


@torch.no_grad()
def sample_w(G: Generator, n: int, seed: int = 0, batch: int = 1000) -> torch.Tensor:
    """(n, w_dim) untruncated w from seeded z: the distribution directions are fitted on."""
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, G.config.z_dim, generator=generator)
    device = G.mapping.w_avg.device
    return torch.cat([G.mapping(chunk.to(device)).cpu() for chunk in z.split(batch)])


@torch.no_grad()
def generate_uint8(G, w: torch.Tensor, psi: float = 1.0, size: int | None = None, batch: int = 250) -> torch.Tensor:
    """uint8 (N, C, size, size) images from w (truncated by ``psi``), constant noise: what the plugin shows."""
    out = []
    for chunk in w.split(batch):
        ws = G.truncate(chunk, psi)[:, None].repeat(1, G.num_ws, 1)
        images = G.synthesis(ws, noise_mode="const")
        if size and size != images.shape[-1]:
            images = torch.nn.functional.adaptive_avg_pool2d(images, size)
        out.append(((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8))
    return torch.cat(out)


def pca_directions(w: torch.Tensor, k: int = 5) -> Directions:
    """GANSpace: the top-k principal axes of w; signs fixed so each axis's largest entry is positive."""
    centred = w - w.mean(0)
    _, singular, v = torch.linalg.svd(centred, full_matrices=False)
    vectors = v[:k]
    signs = torch.sign(vectors.gather(1, vectors.abs().argmax(1, keepdim=True))).squeeze(1)
    vectors = vectors * signs[:, None]
    scales = singular[:k] / (len(w) - 1) ** 0.5
    variance = singular.square() / singular.square().sum()
    notes = {f"pc{i + 1}": {"variance_share": round(float(variance[i]), 4)} for i in range(k)}
    return Directions([f"pc{i + 1}" for i in range(k)], vectors, scales, ["pca"] * k, notes)


def logistic_direction(
    w: torch.Tensor, positive: torch.Tensor, *, steps: int = 200, l2: float = 1e-3, seed: int = 0
) -> tuple[torch.Tensor, float]:
    """InterFaceGAN: the normal of a linear boundary in w separating ``positive`` samples from the rest.

    Fits a balanced logistic regression on 80 % of the samples (L-BFGS) and reports held-out
    accuracy on the other 20 %. Returns (unit vector pointing towards the positive side, accuracy).
    """
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(w), generator=generator)
    cut = int(0.8 * len(w))
    mean, std = w.mean(0), w.std(0) + 1e-6
    x = (w - mean) / std
    y = positive.float()
    train, test = order[:cut], order[cut:]
    share = y[train].mean().clamp(1e-3, 1 - 1e-3)
    weight = torch.where(y[train] > 0, 0.5 / share, 0.5 / (1 - share))  # balanced classes
    coef = torch.zeros(w.shape[1], requires_grad=True)
    bias = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.LBFGS([coef, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        logits = x[train] @ coef + bias
        loss = (F.binary_cross_entropy_with_logits(logits, y[train], reduction="none") * weight).mean()
        loss = loss + l2 * coef.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (x[test] @ coef + bias) > 0
        tp = (predicted & (y[test] > 0)).float().sum() / (y[test] > 0).float().sum().clamp(min=1)
        tn = (~predicted & (y[test] == 0)).float().sum() / (y[test] == 0).float().sum().clamp(min=1)
        vector = coef.detach() / std  # back from standardised coordinates to w
    return vector / vector.norm(), float((tp + tn) / 2)


LABEL_METHODS = ("logistic", "mean difference", "centroid")
LABEL_SHARES = (0.1, 0.25)  # the top (and bottom) share of samples each method is fitted on


def mean_difference_direction(w: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """The unit vector from the negatives' mean w to the positives' mean w.

    Cruder than a logistic normal, but it follows where a class's samples sit rather than the
    thinnest boundary between them; for a class the generator draws in few places (fashion
    bags) only this one moves the classifier's probability as the slider rises.
    """
    vector = w[positive].mean(0) - w[~positive].mean(0)
    return vector / vector.norm().clamp(min=1e-12)


def centroid_direction(w: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """The unit vector from the mean of all w to the positives' mean: towards where the class is drawn,
    whatever sits at the other end."""
    vector = w[positive].mean(0) - w.mean(0)
    return vector / vector.norm().clamp(min=1e-12)


def labelled_directions(
    w: torch.Tensor,
    scores: torch.Tensor,
    names: list[str],
    wanted: list[str],
    share: float = 0.25,
    method: str = "logistic",
) -> Directions:
    """One direction per wanted class, from classifier scores (N, K) of the samples generated from ``w``.

    As InterFaceGAN: the ``share`` of samples scoring highest for the class are positives, the
    ``share`` scoring lowest negatives, the middle is left out. Ranking (not arg-max labels)
    still works when a young generator's samples rarely win a class outright. ``method`` is
    how the groups become a vector (:data:`LABEL_METHODS`): the normal of a logistic boundary,
    the difference of their means, or the positives' mean minus the mean of all samples.
    """
    if method not in LABEL_METHODS:
        raise ValueError(f"unknown method {method!r} (known: {', '.join(LABEL_METHODS)})")
    kept, vectors, scales, notes = [], [], [], {}
    count = max(2, int(len(w) * share))
    for name in wanted:
        score = scores[:, names.index(name)]
        order = score.argsort()
        picked = torch.cat([order[:count], order[-count:]])
        positive = torch.zeros(len(w), dtype=torch.bool)
        positive[order[-count:]] = True
        note: dict[str, object] = {"method": method, "share": share, "samples": len(w), "top_and_bottom": count}
        if method == "logistic":
            vector, accuracy = logistic_direction(w[picked], positive[picked])
            note["balanced_accuracy"] = round(accuracy, 3)
        elif method == "mean difference":
            vector = mean_difference_direction(w[picked], positive[picked])
        else:
            vector = centroid_direction(w, positive)
        kept.append(name)
        vectors.append(vector)
        scales.append(((w - w.mean(0)) @ vector).std())
        notes[name] = {
            **note,
            "mean_probability_top": round(float(score[order[-count:]].exp().mean()), 3),
            "mean_probability_bottom": round(float(score[order[:count]].exp().mean()), 3),
        }
    vectors_t = torch.stack(vectors) if vectors else torch.zeros(0, w.shape[1])
    scales_t = torch.stack(scales) if scales else torch.zeros(0)
    return Directions(kept, vectors_t, scales_t, ["label"] * len(kept), notes)


def combine(*parts: Directions) -> Directions:
    names = [n for p in parts for n in p.names]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate direction names: {names}")
    return Directions(
        names,
        torch.cat([p.vectors for p in parts]),
        torch.cat([p.scales for p in parts]),
        [k for p in parts for k in p.kinds],
        {k: v for p in parts for k, v in p.notes.items()},
    )
