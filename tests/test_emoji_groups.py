"""Unicode emoji groups as real labels for the emoji classifier."""

from __future__ import annotations

import pytest
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.data.dataset import DataSourceMissing
from gencanvas.models.data.emoji_groups import (
    EMOJI_TEST,
    caption_classes,
    faces_only,
    parse_emoji_test,
    with_classes,
)

SAMPLE = """# group: Smileys & Emotion
# subgroup: face-smiling
1F600                                                  ; fully-qualified     # 😀 E1.0 grinning face
263A FE0F                                              ; fully-qualified     # ☺️ E0.6 smiling face
263A                                                   ; unqualified         # ☺ E0.6 smiling face
# subgroup: face-hand
1F917                                                  ; fully-qualified     # 🤗 E1.0 smiling face with open hands
# group: Flags
# subgroup: country-flag
1F1EF 1F1F5                                            ; fully-qualified     # 🇯🇵 E2.0 flag: Japan
"""


def test_parse_emoji_test_reads_fully_qualified_entries_under_their_group(tmp_path) -> None:
    path = tmp_path / "emoji-test.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    table = parse_emoji_test(path)
    assert table["\U0001f600"] == ("Smileys & Emotion", "face-smiling")
    assert table["\u263a\ufe0f"] == ("Smileys & Emotion", "face-smiling") and "\u263a" not in table
    assert table["\U0001f1ef\U0001f1f5"] == ("Flags", "country-flag")
    with pytest.raises(DataSourceMissing, match="unicode-data"):
        parse_emoji_test(tmp_path / "absent.txt")


@pytest.mark.skipif(not EMOJI_TEST.is_file(), reason="needs the unicode-data Debian package")
def test_caption_classes_use_subgroups_only_where_large_enough() -> None:
    captions = ["grinning face", "flag Japan", "flag France", "dog face", "no such emoji"]
    class_of, names = caption_classes(captions, min_subgroup=2)
    assert names == ["Animals & Nature", "Flags / country-flag", "Smileys & Emotion"]
    assert [names[class_of[c]] for c in captions[:4]] == [
        "Smileys & Emotion",
        "Flags / country-flag",
        "Flags / country-flag",
        "Animals & Nature",
    ]
    data = ImageCaptionDataset(torch.zeros(5, 3, 4, 4, dtype=torch.uint8), captions)
    labelled, dropped = with_classes(data, class_of, names)
    assert dropped == 1 and labelled.captions == captions[:4]
    assert labelled.labels.tolist() == [2, 1, 1, 0] and labelled.class_names == names


@pytest.mark.skipif(not EMOJI_TEST.is_file(), reason="needs the unicode-data Debian package")
def test_faces_only_keeps_smileys_not_hearts_cats_or_flags() -> None:
    captions = ["grinning face", "red heart", "cat with wry smile", "flag Japan", "ghost", "smiling face with halo"]
    images = torch.arange(len(captions), dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 3, 4, 4).contiguous()
    faces = faces_only(ImageCaptionDataset(images, captions, name="emoji"))
    assert faces.captions == ["grinning face", "ghost", "smiling face with halo"] and faces.name == "emoji-faces"
    assert faces.images[:, 0, 0, 0].tolist() == [0, 4, 5]  # each image stays with its caption
    assert faces_only(ImageCaptionDataset(images, captions), limit=2).captions == ["grinning face", "ghost"]
