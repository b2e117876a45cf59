"""Real class labels for the emoji set: the Unicode group/subgroup of every glyph.

Unicode's ``emoji-test.txt`` (Debian package ``unicode-data``) lists each emoji under a
group ("Smileys & Emotion", "Flags", ...) and a subgroup ("face-smiling", "country-flag",
...). These are labels a person assigned, unlike caption clusters, so a domain classifier
trained on them learns what tells emoji kinds apart, and its features can tell a blob from
a face. Subgroups with enough images become classes of their own; the rest fall back to
their group, so no class is too small to learn.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import torch

from gencanvas.models.data.dataset import DataSourceMissing, ImageCaptionDataset

EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
UNICODE_DATA_INSTALL = "sudo apt-get install unicode-data"
MIN_SUBGROUP = 40  # images a subgroup needs in the whole set to be a class of its own
FACES_GROUP, FACES_PREFIX = "Smileys & Emotion", "face-"  # the "emoji-faces" source: smileys, not hearts or cats


def parse_emoji_test(path: Path = EMOJI_TEST) -> dict[str, tuple[str, str]]:
    """Fully-qualified emoji string → (group, subgroup), read from ``emoji-test.txt``."""
    if not path.is_file():
        raise DataSourceMissing(f"Unicode emoji list not found at {path}. Install it with: {UNICODE_DATA_INSTALL}")
    table: dict[str, tuple[str, str]] = {}
    group = subgroup = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        elif line.startswith("# subgroup:"):
            subgroup = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#") and ";" in line:
            codes, status = line.split("#", 1)[0].split(";")
            if status.strip() == "fully-qualified":
                table["".join(chr(int(c, 16)) for c in codes.split())] = (group, subgroup)
    return table


def caption_groups(path: Path = EMOJI_TEST) -> dict[str, tuple[str, str]]:
    """Caption (as the emoji dataset writes it) → (group, subgroup), for the glyphs Unicode lists."""
    from gencanvas.models.data.emoji_glyphs import caption_for, emoji_candidates

    table = parse_emoji_test(path)
    return {caption_for(g): table[g] for g in emoji_candidates() if g in table}


def class_names_for(captions: list[str], groups: dict[str, tuple[str, str]], min_subgroup: int) -> list[str]:
    """Sorted class names: "group / subgroup" for subgroups with ``min_subgroup`` images, else "group"."""
    counts = Counter(groups[c][1] for c in captions if c in groups)
    return sorted({_class_of(groups[c], counts, min_subgroup) for c in captions if c in groups})


def _class_of(entry: tuple[str, str], counts: Counter, min_subgroup: int) -> str:
    group, subgroup = entry
    return f"{group} / {subgroup}" if counts[subgroup] >= min_subgroup else group


def faces_only(dataset: ImageCaptionDataset, limit: int | None = None, path: Path = EMOJI_TEST) -> ImageCaptionDataset:
    """The smileys of an emoji set (the first ``limit``): Unicode's "Smileys & Emotion" glyphs in a ``face-…``
    subgroup, 124 of Noto's.

    A narrower domain than all 1,886 emoji, one a small generator on a CPU can learn: round faces
    whose differences (mouth, eyes, colour) are what a latent slider can mean.
    """
    groups = caption_groups(path)
    keep = [
        i
        for i, c in enumerate(dataset.captions)
        if c in groups and groups[c][0] == FACES_GROUP and groups[c][1].startswith(FACES_PREFIX)
    ][:limit]
    return dataset.select(keep, f"{dataset.name}-faces")


def caption_classes(
    captions: list[str], min_subgroup: int = MIN_SUBGROUP, path: Path = EMOJI_TEST
) -> tuple[dict[str, int], list[str]]:
    """(caption → class id, class names) over ``captions`` (the whole emoji set, so ids do not depend on a split)."""
    groups = caption_groups(path)
    counts = Counter(groups[c][1] for c in captions if c in groups)
    names = class_names_for(captions, groups, min_subgroup)
    index = {name: i for i, name in enumerate(names)}
    return {c: index[_class_of(groups[c], counts, min_subgroup)] for c in captions if c in groups}, names


def with_classes(
    dataset: ImageCaptionDataset, class_of: dict[str, int], names: list[str]
) -> tuple[ImageCaptionDataset, int]:
    """The images whose caption has a class, labelled; and how many were dropped (no Unicode entry)."""
    keep = [i for i, c in enumerate(dataset.captions) if c in class_of]
    labelled = ImageCaptionDataset(
        dataset.images[keep],
        [dataset.captions[i] for i in keep],
        torch.tensor([class_of[dataset.captions[i]] for i in keep], dtype=torch.int64),
        names,
        dataset.name,
    )
    return labelled, len(dataset) - len(keep)
