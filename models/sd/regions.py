"""Regional prompts by attention masking: each region's prompt speaks only where its mask is.

The method of InvokeAI and Krita AI Diffusion, kept small: every region prompt is encoded as
the main prompt is (A1111 weights, 75-token chunks, SDXL's two encoders) and its tokens are
appended to the main prompt's context, so the UNet sees one longer context. A thin wrapper
around each cross-attention processor then adds a bias to the attention scores: at a latent
position ``p`` the tokens of region ``r`` weigh ``m_r(p)`` and the main prompt's tokens
``1 - min(1, Σ m_r(p))`` (the log of the weight is added, so 0 is ``-inf``). Outside every
region the attention is exactly the main prompt's; inside a fully covered region only the
region's prompt speaks, so a region over the whole canvas draws what its prompt alone draws;
soft mask edges blend the two. The negative prompt's row gets zero filler tokens that are
masked out, so the negative prompt and CFG are unchanged. SDXL's pooled embedding stays the
main prompt's.

Masks are area-averaged to each attention layer's grid (the latent and its halvings: SD 1.x
attends at 1/8, 1/16 and 1/32 of the image, SDXL at 1/16 and 1/32), so a region's influence
ends within one cell of its mask at the coarsest layer. Self-attention and the convolutions are
left alone, which keeps the picture one picture: pixels far outside every region still move a
little through them.

The wrapper delegates to whatever processor the UNet had (plain SDPA, attention slicing of the
memory plan, xformers), and peft LoRA layers wrap ``to_q``/``to_k``/``to_v`` inside it, so both
keep working. :func:`regional_attention` restores the original processors on exit, also after a
cancel or an error, so nothing leaks into the next job on the cached pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

GRID_FACTORS = (1, 2, 4, 8, 16, 32, 64)  # attention grids are the latent halved this many times


class RegionBias:
    """The attention-score bias of every cross-attention call of one run, cached per grid.

    ``masks`` (R, h, w) are the regions at latent size; ``lengths`` their token counts, placed
    after the ``base_length`` tokens of the main prompt in the context.
    """

    def __init__(self, masks: Any, lengths: Sequence[int], base_length: int) -> None:
        self.masks = masks
        self.lengths = list(lengths)
        self.base_length = base_length
        self.total = base_length + sum(self.lengths)
        self._cache: dict[tuple[int, str, Any], tuple[Any, Any]] = {}

    def grid(self, positions: int) -> tuple[int, int]:
        """The (rows, columns) of an attention layer with ``positions`` queries (strided convs round up)."""
        height, width = self.masks.shape[-2:]
        for factor in GRID_FACTORS:
            rows, columns = math.ceil(height / factor), math.ceil(width / factor)
            if rows * columns == positions:
                return rows, columns
        raise RuntimeError(f"No attention grid of {positions} positions fits a {width}×{height} latent.")

    def _biases(self, positions: int, device: Any, dtype: Any) -> tuple[Any, Any]:
        """(prompt rows (Q, K), filler rows (1, K)) for one grid, on the call's device and dtype."""
        import torch
        import torch.nn.functional as F

        key = (positions, str(device), dtype)
        if key not in self._cache:
            rows, columns = self.grid(positions)
            masks = F.interpolate(self.masks[None], size=(rows, columns), mode="area")[0].flatten(1)  # (R, Q)
            base = 1 - masks.sum(0).clamp(0, 1)
            weights = [base[:, None].expand(-1, self.base_length)]
            weights += [mask[:, None].expand(-1, length) for mask, length in zip(masks, self.lengths, strict=True)]
            prompt_rows = torch.cat(weights, dim=1).log()  # weight 0 → -inf: those tokens are not attended
            filler_rows = torch.zeros(1, self.total)
            filler_rows[:, self.base_length :] = -math.inf  # the negative prompt's row: its own tokens only
            self._cache[key] = (prompt_rows.to(device, dtype), filler_rows.to(device, dtype))
        return self._cache[key]

    def bias(self, positions: int, context: Any, dtype: Any) -> Any:
        """(B, Q, K) additive bias for ``context`` (B, K, dim): rows with zero region tokens are the negative's."""
        import torch

        prompt_rows, filler_rows = self._biases(positions, context.device, dtype)
        filler = context[:, self.base_length :].abs().amax(dim=(1, 2)) == 0  # on the device: no sync per call
        return torch.where(filler[:, None, None], filler_rows[None], prompt_rows[None])


class RegionalAttnProcessor:
    """Wraps a cross-attention processor: adds the region bias to its attention mask."""

    def __init__(self, inner: Any, bias: RegionBias) -> None:
        self.inner = inner
        self.region_bias = bias

    def __call__(
        self,
        attn: Any,
        hidden_states: Any,
        encoder_hidden_states: Any = None,
        attention_mask: Any = None,
        **kwargs: Any,
    ) -> Any:
        context = encoder_hidden_states
        if context is not None and context.shape[1] == self.region_bias.total:
            positions = hidden_states.shape[1] if hidden_states.ndim == 3 else math.prod(hidden_states.shape[2:])
            bias = self.region_bias.bias(positions, context, hidden_states.dtype)
            attention_mask = bias if attention_mask is None else bias + attention_mask
        return self.inner(
            attn, hidden_states, encoder_hidden_states=encoder_hidden_states, attention_mask=attention_mask, **kwargs
        )


def region_embeds(
    pipe: Any, family: str, embeds: dict[str, Any], prompts: Sequence[str]
) -> tuple[dict[str, Any], list[int]]:
    """``embeds`` (from ``encode_prompts``) with each region prompt's tokens appended, and their counts.

    The negative prompt is padded with zero tokens to the same length (the pipelines batch
    both); :class:`RegionBias` masks those out.
    """
    import torch

    from gencanvas.models.sd.prompt_weights import encode_states

    positive, negative = embeds["prompt_embeds"], embeds["negative_prompt_embeds"]
    states = [encode_states(pipe, family, prompt).to(positive) for prompt in prompts]
    lengths = [state.shape[1] for state in states]
    filler = negative.new_zeros(negative.shape[0], sum(lengths), negative.shape[2])
    return embeds | {
        "prompt_embeds": torch.cat([positive, *states], dim=1),
        "negative_prompt_embeds": torch.cat([negative, filler], dim=1),
    }, lengths


def latent_masks(masks: Sequence[np.ndarray], latent_size: tuple[int, int]) -> Any:
    """(R, h, w) float32 tensor: each canvas-size mask area-averaged to the latent's (h, w)."""
    import torch
    import torch.nn.functional as F

    stacked = torch.from_numpy(np.stack([np.clip(np.asarray(m, np.float32), 0, 1) for m in masks]))
    return F.interpolate(stacked[None], size=latent_size, mode="area")[0]


def prepare_regions(
    pipe: Any,
    family: str,
    embeds: dict[str, Any],
    regions: Sequence[tuple[str, np.ndarray]],
    size: tuple[int, int],
) -> tuple[dict[str, Any], RegionBias]:
    """The pipeline's prompt keywords with the regions' tokens, and the bias that places them.

    ``regions`` are (prompt, mask (H, W) in [0, 1]) at the canvas size; ``size`` is the
    sampled image's (height, width).
    """
    scale = getattr(pipe, "vae_scale_factor", 8)
    with_regions, lengths = region_embeds(pipe, family, embeds, [prompt for prompt, _ in regions])
    masks = latent_masks([mask for _, mask in regions], (size[0] // scale, size[1] // scale))
    return with_regions, RegionBias(masks, lengths, embeds["prompt_embeds"].shape[1])


@contextmanager
def regional_attention(unet: Any, bias: RegionBias) -> Iterator[None]:
    """Within the block every cross-attention of ``unet`` follows the regions; the old processors after."""
    saved = dict(unet.attn_processors)
    unet.set_attn_processor(
        {
            name: RegionalAttnProcessor(processor, bias) if ".attn2." in name else processor
            for name, processor in saved.items()
        }
    )
    try:
        yield
    finally:
        unet.set_attn_processor(saved)
