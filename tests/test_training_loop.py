"""The shared training loop's batch stream: endless epochs, and a clear stop for a set smaller than a batch."""

from __future__ import annotations

from itertools import islice

import pytest
from torch.utils.data import DataLoader

from gencanvas.models.training_loop import epochs


def test_epochs_start_over_when_the_loader_runs_out():
    loader = DataLoader(list(range(5)), batch_size=2, drop_last=True)
    assert [batch.tolist() for batch in islice(epochs(loader), 5)] == [[0, 1], [2, 3], [0, 1], [2, 3], [0, 1]]


def test_a_set_smaller_than_one_batch_stops_with_a_reason_instead_of_spinning():
    loader = DataLoader(list(range(3)), batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match="smaller than one batch"):
        next(epochs(loader))
