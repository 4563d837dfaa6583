"""Vectorised helpers: ragged expansion, grouped sums, categorical sampling and fast id strings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_ALNUM = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def ranks_within(counts: np.ndarray) -> np.ndarray:
    """For ``np.repeat(x, counts)``: the 0-based position of each output element within its group."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def group_cumsum(values: np.ndarray, is_start: np.ndarray, inclusive: bool = True) -> np.ndarray:
    """Cumulative sum restarting at every ``is_start`` (rows of a group are contiguous)."""
    values = np.asarray(values)
    if values.size == 0:
        return values.copy()
    total = np.cumsum(values)
    start_idx = np.flatnonzero(is_start)
    lengths = np.diff(np.append(start_idx, values.size))
    base = np.repeat(total[start_idx] - values[start_idx], lengths)
    out = total - base
    return out if inclusive else out - values


def sample_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category per row of ``probs`` (rows need not be normalised; all-zero rows give 0)."""
    if probs.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cdf = np.cumsum(probs, axis=1)
    total = cdf[:, -1:]
    u = rng.random((probs.shape[0], 1)) * total
    idx = (u >= cdf).sum(axis=1)
    return np.minimum(idx, probs.shape[1] - 1)


def sample_categorical(
    rng: np.random.Generator, probs: np.ndarray | tuple[float, ...], size: int
) -> np.ndarray:
    """Draw ``size`` categories from one probability vector."""
    p = np.asarray(probs, dtype=np.float64)
    return rng.choice(p.size, size=size, p=p / p.sum())


def random_chars(rng: np.random.Generator, n: int, width: int, alphabet: np.ndarray = _HEX) -> np.ndarray:
    """An ``(n, width)`` uint8 matrix of random characters from ``alphabet``."""
    return alphabet[rng.integers(0, alphabet.size, size=(n, width))]


def chars_to_arrow(chars: np.ndarray) -> pa.StringArray:
    """Fixed-width uint8 character matrix -> Arrow string array without a Python loop."""
    n, width = chars.shape
    data = np.ascontiguousarray(chars, dtype=np.uint8).reshape(-1)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def uuid_chars(rng: np.random.Generator, n: int) -> np.ndarray:
    """``(n, 36)`` uint8 matrix of random version-4-style UUID strings."""
    hexes = random_chars(rng, n, 32)
    hexes[:, 12] = ord("4")
    hexes[:, 16] = _HEX[8 + rng.integers(0, 4, size=n)]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = hexes[:, 0:8]
    out[:, 9:13] = hexes[:, 8:12]
    out[:, 14:18] = hexes[:, 12:16]
    out[:, 19:23] = hexes[:, 16:20]
    out[:, 24:36] = hexes[:, 20:32]
    return out


def prefixed_ids(
    rng: np.random.Generator, n: int, prefix: str, width: int, alphabet: str = "hex"
) -> np.ndarray:
    """``n`` unique random ids ``prefix + width characters`` as a numpy object array of str."""
    table = _HEX if alphabet == "hex" else _ALNUM
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = random_chars(rng, n, width, table)
    while True:
        _, first, counts = np.unique(chars.view(f"S{width}").ravel(), return_index=True, return_counts=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        chars[dup] = random_chars(rng, int(dup.sum()), width, table)
    full = np.concatenate([np.broadcast_to(pre, (n, pre.size)), chars], axis=1)
    return to_object(chars_to_arrow(full))


def to_object(values: pa.Array) -> np.ndarray:
    """Arrow array -> numpy object array (None for nulls)."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def str_join(*parts: pa.Array | np.ndarray | str) -> pa.StringArray:
    """Element-wise concatenation of string arrays and scalars (nulls propagate)."""
    arrays = [p if isinstance(p, pa.Array | str) else pa.array(p, type=pa.string()) for p in parts]
    return pc.binary_join_element_wise(*arrays, "")


def arrow_take(values: tuple[str, ...] | np.ndarray | pa.Array, codes: np.ndarray) -> pa.Array:
    """Map integer codes to strings (negative codes become nulls)."""
    table = (
        values
        if isinstance(values, pa.Array)
        else pa.array(list(values) if isinstance(values, tuple) else values, type=pa.string())
    )
    codes = np.asarray(codes, dtype=np.int64)
    idx = pa.array(codes, mask=codes < 0)
    return table.take(idx)


def timestamps(us: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Microseconds since the epoch -> Arrow ``timestamp[us]`` (optionally with a null mask)."""
    values = np.asarray(us, dtype=np.int64)
    if null is not None:
        values = np.where(null, 0, values)
    return pa.array(values, type=pa.int64(), mask=null).cast(pa.timestamp("us"))
