"""Which class a caption belongs to, in the classifier's own ids: for class agreement of prompted images.

Data without class labels (emoji, folders) still has captions; the classifier was trained on
classes derived from them (Unicode emoji groups for emoji, caption clusters otherwise), so
the same derivation run again tells which class a prompt asks for.
"""

from __future__ import annotations

from gencanvas.models.data.dataset import ImageCaptionDataset
from gencanvas.models.evaluation.classifier import ClassifierConfig, labels_for


def caption_classes(
    data: str, train: ImageCaptionDataset, test: ImageCaptionDataset, config: ClassifierConfig
) -> dict[str, int] | None:
    """Caption → class id of the classifier, or None (with a printed reason) when its classes cannot be re-derived."""
    captions = train.captions + test.captions
    if data == "emoji" and config.min_subgroup is not None:
        from gencanvas.models.data.emoji_groups import caption_classes as unicode_classes

        class_of, names = unicode_classes(captions, config.min_subgroup)
        if names == config.class_names:
            return class_of
        print("the classifier's Unicode classes are not this data's: class agreement skipped")
        return None
    train_labels, test_labels, names = labels_for(train, test, config.num_classes, seed=0)
    if names != config.class_names:
        print("the classifier's caption clusters are not this data's: class agreement skipped")
        return None
    return dict(zip(captions, train_labels.tolist() + test_labels.tolist(), strict=False))
