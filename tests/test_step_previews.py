"""Step previews: every step handed over in order, on CPU at once, on CUDA one step late without a stall."""

from __future__ import annotations

import pytest
import torch

from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.network import TextConditionedUNet
from gencanvas.models.diffusion.sampling import inpaint, sample
from gencanvas.models.step_previews import PreviewRelay


class _RecordingRelay(PreviewRelay):
    """The CUDA path's bookkeeping on CPU tensors: staging is a clone, waiting is logged."""

    def __init__(self, on_step, log):
        super().__init__(on_step)
        self.log = log

    def _deferred(self, x0):
        return True

    def _stage(self, x0):
        step = len([e for e in self.log if e[0] == "staged"]) + 1
        self.log.append(("staged", step))
        return x0.clone(), lambda: self.log.append(("waited", step))


def test_on_cpu_each_preview_is_handed_over_during_its_own_step():
    seen = []
    relay = PreviewRelay(lambda i, n, x0: seen.append((i, n, float(x0.sum()))))
    relay.push(1, 2, torch.ones(1, 1, 2, 2))
    assert seen == [(1, 2, 4.0)]
    relay.push(2, 2, torch.zeros(1, 1, 2, 2))
    relay.flush()
    assert seen == [(1, 2, 4.0), (2, 2, 0.0)]


def test_deferred_previews_arrive_one_step_late_after_their_copy_and_all_arrive_after_flush():
    log: list[tuple] = []
    relay = _RecordingRelay(lambda i, n, x0: log.append(("shown", i, float(x0.sum()))), log)
    first = torch.ones(1, 1, 2, 2)
    relay.push(1, 3, first)
    first.zero_()  # the sampler may reuse its buffers: the staged copy must not change
    assert log == [("staged", 1)]
    relay.push(2, 3, torch.full((1, 1, 2, 2), 2.0))
    relay.push(3, 3, torch.full((1, 1, 2, 2), 3.0))
    relay.flush()
    relay.flush()  # nothing left: no second hand-over
    assert log == [
        ("staged", 1),
        ("staged", 2),
        ("waited", 1),
        ("shown", 1, 4.0),
        ("staged", 3),
        ("waited", 2),
        ("shown", 2, 8.0),
        ("waited", 3),
        ("shown", 3, 12.0),
    ]


def test_a_callback_that_raises_stops_the_deferred_sampler_at_the_next_push():
    def cancel(i, n, x0):
        raise KeyboardInterrupt

    relay = _RecordingRelay(cancel, [])
    relay.push(1, 3, torch.ones(1))
    with pytest.raises(KeyboardInterrupt):
        relay.push(2, 3, torch.ones(1))


def test_without_a_callback_nothing_is_staged():
    log: list[tuple] = []
    relay = _RecordingRelay(None, log)
    relay.push(1, 1, torch.ones(1))
    relay.flush()
    assert log == []


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")
@pytest.mark.parametrize("sampler", ["dpm++", "ddim"])
def test_on_cuda_every_step_arrives_as_a_host_tensor_and_the_last_is_the_result(sampler):
    torch.manual_seed(0)
    model = TextConditionedUNet(DiffusionConfig.from_preset("tiny", image_size=16, channels=1)).cuda().eval()
    text = torch.randn(1, 384, device="cuda")
    frames = []
    result = sample(
        model,
        text,
        sampler=sampler,
        steps=5,
        generator=torch.Generator("cuda").manual_seed(1),
        on_step=lambda i, n, x0: frames.append((i, x0)),
    )
    assert [i for i, _ in frames] == [1, 2, 3, 4, 5]
    assert all(x0.device.type == "cpu" for _, x0 in frames)
    plain = sample(model, text, sampler=sampler, steps=5, generator=torch.Generator("cuda").manual_seed(1))
    torch.testing.assert_close(result, plain)
    filled = inpaint(
        model,
        text,
        torch.zeros(1, 1, 16, 16, device="cuda"),
        torch.ones(1, 1, 16, 16, device="cuda"),
        steps=4,
        jump_length=2,
        resamples=2,
        on_step=lambda i, n, x0: frames.append((i, x0)),
    )
    assert filled.abs().max() == 0 and frames[-1][1].device.type == "cpu"
