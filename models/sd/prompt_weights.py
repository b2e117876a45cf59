"""A1111 prompt syntax: ``(word:1.3)``, ``(word)``, ``[word]``, ``BREAK`` and prompts past 77 tokens.

Users paste prompts from A1111 and from PNG metadata; the same text should weigh the same
here. This follows A1111's own method, not compel's: the prompt is split into weighted
runs, tokenized in chunks of 75 tokens (breaking at a comma within the last 20 when it
can), each chunk encoded as ``[BOS] + 75 + [EOS]``, the hidden states multiplied by their
token's weight and rescaled to the chunk's original mean, and the chunks concatenated. For
SDXL the two encoders' penultimate states are joined and the pooled embedding comes from
the first chunk, as diffusers does for one chunk. With every weight 1 and one chunk the
result is bit-identical to the pipeline's own encoding, so plain prompts are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

CHUNK = 75
COMMA_BACKTRACK = 20
ROUND, SQUARE = 1.1, 1 / 1.1
RE_ATTENTION = re.compile(
    r"""
\\\(|\\\)|\\\[|\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|]|[^\\()\[\]:]+|:
""",
    re.X,
)
RE_BREAK = re.compile(r"\s*\bBREAK\b\s*", re.S)


def parse_prompt_attention(text: str) -> list[tuple[str, float]]:
    """``"a (b:1.5) [c]"`` → ``[("a ", 1.0), ("b", 1.5), (" ", 1.0), ("c", 0.909…)]``, as A1111 parses.

    ``\\(`` escapes a bracket; an unclosed bracket weighs to the end; ``BREAK`` is ``("BREAK", -1)``.
    """
    res: list[list[Any]] = []
    round_brackets: list[int] = []
    square_brackets: list[int] = []

    def multiply_range(start: int, multiplier: float) -> None:
        for position in range(start, len(res)):
            res[position][1] *= multiplier

    for match in RE_ATTENTION.finditer(text):
        part, weight = match.group(0), match.group(1)
        if part.startswith("\\"):
            res.append([part[1:], 1.0])
        elif part == "(":
            round_brackets.append(len(res))
        elif part == "[":
            square_brackets.append(len(res))
        elif weight is not None and round_brackets:
            multiply_range(round_brackets.pop(), float(weight))
        elif part == ")" and round_brackets:
            multiply_range(round_brackets.pop(), ROUND)
        elif part == "]" and square_brackets:
            multiply_range(square_brackets.pop(), SQUARE)
        else:
            for index, piece in enumerate(RE_BREAK.split(part)):
                if index > 0:
                    res.append(["BREAK", -1])
                res.append([piece, 1.0])
    for position in round_brackets:
        multiply_range(position, ROUND)
    for position in square_brackets:
        multiply_range(position, SQUARE)
    if not res:
        res = [["", 1.0]]
    index = 0
    while index + 1 < len(res):  # merge neighbours of equal weight, as A1111 does
        if res[index][1] == res[index + 1][1]:
            res[index][0] += res[index + 1][0]
            res.pop(index + 1)
        else:
            index += 1
    return [(str(t), float(w)) for t, w in res]


def chunk_tokens(pipe: Any, tokenizer: Any, text: str) -> list[tuple[list[int], list[float]]]:
    """The prompt as chunks of 77 token ids with a weight per token (A1111's ``tokenize_line``)."""
    parsed = parse_prompt_attention(text)
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    comma = tokenizer.get_vocab().get(",</w>")
    convert = getattr(pipe, "maybe_convert_prompt", None)  # multi-vector textual inversion tokens
    chunks: list[tuple[list[int], list[float]]] = []
    tokens: list[int] = []
    weights: list[float] = []
    last_comma = -1

    def next_chunk() -> None:
        nonlocal tokens, weights, last_comma
        ids = [bos, *tokens, eos] + [pad] * (CHUNK - len(tokens))  # padding after the end token, as diffusers
        chunks.append((ids, [1.0, *weights, 1.0] + [1.0] * (CHUNK - len(tokens))))
        tokens, weights, last_comma = [], [], -1

    for part, weight in parsed:
        if weight == -1 and part == "BREAK":
            next_chunk()
            continue
        part = convert(part, tokenizer) if convert is not None else part
        for token in tokenizer(part, truncation=False, add_special_tokens=False).input_ids:
            if token == comma:
                last_comma = len(tokens)
            elif len(tokens) == CHUNK and last_comma != -1 and len(tokens) - last_comma <= COMMA_BACKTRACK:
                moved_tokens, moved_weights = tokens[last_comma + 1 :], weights[last_comma + 1 :]
                tokens, weights = tokens[: last_comma + 1], weights[: last_comma + 1]
                next_chunk()
                tokens, weights = moved_tokens, moved_weights
            if len(tokens) == CHUNK:
                next_chunk()
            tokens.append(token)
            weights.append(weight)
    if tokens or not chunks:
        next_chunk()
    return chunks


def _encode_chunks(pipe: Any, text: str, family: str) -> tuple[Any, Any]:
    """(hidden states (1, 77·n, dim), pooled or None) for one prompt, weights applied per chunk."""
    import torch

    device = getattr(pipe, "_execution_device", None) or pipe.text_encoder.device
    pairs = [(pipe.tokenizer, pipe.text_encoder)]
    if family == "sdxl":
        pairs.append((pipe.tokenizer_2, pipe.text_encoder_2))
    per_encoder = [chunk_tokens(pipe, tokenizer, text) for tokenizer, _ in pairs]
    count = max(len(chunks) for chunks in per_encoder)
    states, pooled = [], None
    for index in range(count):
        parts, weights = [], None
        for (_, encoder), chunks in zip(pairs, per_encoder, strict=True):
            ids, chunk_weights = chunks[index] if index < len(chunks) else chunk_tokens(pipe, pairs[0][0], "")[0]
            out = encoder(torch.tensor([ids], device=device), output_hidden_states=family == "sdxl")
            if family == "sdxl":
                parts.append(out.hidden_states[-2])
                if index == 0 and out[0].ndim == 2:
                    pooled = out[0]
            else:
                parts.append(out[0])
            weights = chunk_weights
        z = torch.cat(parts, dim=-1)
        if any(weight != 1.0 for weight in weights or ()):  # all 1: A1111's rescale is the identity
            multipliers = torch.tensor(weights, dtype=z.dtype, device=z.device).reshape(1, -1, 1)
            original_mean = z.float().mean()
            z = z * multipliers.expand(z.shape)
            new_mean = z.float().mean()
            if torch.isfinite(original_mean / new_mean):  # a zero mean (layer-normed output) is left as is
                z = z * (original_mean / new_mean).to(z.dtype)
        states.append(z)
    return torch.cat(states, dim=1), pooled


def encode_prompts(pipe: Any, family: str, prompt: str, negative: str) -> dict[str, Any]:
    """Pipeline keyword arguments (``prompt_embeds``…) for A1111-weighted prompts of any length.

    The shorter of prompt and negative is padded with the empty prompt's chunk, as A1111
    does; SDXL's empty negative is zeros when the pipeline asks for it, as diffusers does.
    """
    import torch

    with torch.no_grad():
        positive, pooled = _encode_chunks(pipe, prompt, family)
        negative_states, negative_pooled = _encode_chunks(pipe, negative, family)
        zeros = family == "sdxl" and not negative and getattr(pipe.config, "force_zeros_for_empty_prompt", False)
        if zeros:
            negative_states, negative_pooled = torch.zeros_like(negative_states), torch.zeros_like(negative_pooled)
        if positive.shape[1] != negative_states.shape[1]:
            empty, _ = _encode_chunks(pipe, "", family)
            if zeros:
                empty = torch.zeros_like(empty)
            while positive.shape[1] < negative_states.shape[1]:
                positive = torch.cat([positive, empty], dim=1)
            while negative_states.shape[1] < positive.shape[1]:
                negative_states = torch.cat([negative_states, empty], dim=1)
    call = {"prompt_embeds": positive, "negative_prompt_embeds": negative_states}
    if family == "sdxl":
        call |= {"pooled_prompt_embeds": pooled, "negative_pooled_prompt_embeds": negative_pooled}
    return call


def encode_states(pipe: Any, family: str, text: str) -> Any:
    """One prompt's hidden states (1, 77·n, dim), weighted and chunked as ``encode_prompts`` does (regions)."""
    import torch

    with torch.no_grad():
        return _encode_chunks(pipe, text, family)[0]
