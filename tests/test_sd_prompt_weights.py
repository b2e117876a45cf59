"""A1111 prompt weighting and chunking, for SD 1.x and SDXL, against diffusers' own encoding."""

from __future__ import annotations

import pytest
import torch

from gencanvas.models.sd.prompt_weights import chunk_tokens, encode_prompts, parse_prompt_attention


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a (b:1.5) c", [("a ", 1.0), ("b", 1.5), (" c", 1.0)]),
        ("(a)", [("a", 1.1)]),
        ("((a))", [("a", 1.1 * 1.1)]),
        ("[a]", [("a", 1 / 1.1)]),
        ("(a [b]:2)", [("a ", 2.0), ("b", 2 / 1.1)]),
        (r"\(literal\) x", [("(literal) x", 1.0)]),
        ("(open", [("open", 1.1)]),
        ("a BREAK b", [("a", 1.0), ("BREAK", -1.0), ("b", 1.0)]),
        ("", [("", 1.0)]),
    ],
)
def test_parse_like_a1111(text, expected):
    got = parse_prompt_attention(text)
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert [w for _, w in got] == pytest.approx([w for _, w in expected])


def clip():
    from gencanvas.models.sd.tokenizer import build_clip_tokenizer
    from tests.sd_fixtures import BPE

    return build_clip_tokenizer(BPE)


def test_long_prompts_are_chunked_at_a_comma_as_a1111_does():
    tokenizer = clip()
    words = " ".join(["cat"] * 70) + ", " + " ".join(["dog"] * 10)  # 81 tokens, comma at 70
    chunks = chunk_tokens(None, tokenizer, words)
    assert len(chunks) == 2 and all(len(ids) == 77 and len(w) == 77 for ids, w in chunks)
    first, second = chunks[0][0], chunks[1][0]
    assert first[71] == tokenizer.get_vocab()[",</w>"] and first[72:] == [tokenizer.eos_token_id] * 5
    assert second[1:11] == [tokenizer.get_vocab()["dog</w>"]] * 10  # moved whole to the next chunk
    weighted = chunk_tokens(None, tokenizer, "a (cat:1.3) BREAK dog")
    assert len(weighted) == 2 and weighted[0][1][:4] == [1.0, 1.0, 1.3, 1.0]


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_plain_prompts_encode_exactly_as_diffusers(tiny_sd_models, family):
    pipe = tiny_sd_models.pipes[family]
    mine = encode_prompts(pipe, family, "a cat, on a hill", "blurry")
    if family == "sdxl":
        ref = pipe.encode_prompt("a cat, on a hill", device="cpu", negative_prompt="blurry")
        names = ("prompt_embeds", "negative_prompt_embeds", "pooled_prompt_embeds", "negative_pooled_prompt_embeds")
        empty = encode_prompts(pipe, family, "a cat", "")
        assert not empty["negative_prompt_embeds"].any()  # diffusers' zeros for SDXL's empty negative
    else:
        ref = pipe.encode_prompt("a cat, on a hill", "cpu", 1, True, negative_prompt="blurry")
        names = ("prompt_embeds", "negative_prompt_embeds")
    for name, expected in zip(names, ref, strict=True):
        assert torch.equal(mine[name], expected), name


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_weights_and_long_prompts_change_the_conditioning(tiny_sd_models, family):
    pipe = tiny_sd_models.pipes[family]
    plain = encode_prompts(pipe, family, "a cat on a hill", "")["prompt_embeds"]
    assert torch.equal(encode_prompts(pipe, family, "a (cat:1) on a hill", "")["prompt_embeds"], plain)
    weighted = encode_prompts(pipe, family, "a (cat:1.5) on a hill", "")["prompt_embeds"]
    assert weighted.shape == plain.shape and not torch.equal(weighted, plain)
    assert not torch.equal(encode_prompts(pipe, family, "a [cat] on a hill", "")["prompt_embeds"], plain)
    long = encode_prompts(pipe, family, "a cat on a hill, " * 30, "blurry")
    assert long["prompt_embeds"].shape[1] % 77 == 0 and long["prompt_embeds"].shape[1] > 77
    assert long["negative_prompt_embeds"].shape == long["prompt_embeds"].shape  # padded with the empty chunk
