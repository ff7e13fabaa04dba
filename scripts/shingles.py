"""Character shingles and MinHash signatures of a document: the per-document half of near-duplicate
detection, computed once per page by split (in its worker pool, cached with the page) so that the
corpus-wide duplicates stage only indexes signatures.

Shingles are hashed, not kept as strings: a polynomial hash of each window of SHINGLE code points of
the folded text (scripts/describe.fold: no spaces or punctuation, digits kept), computed for the whole
text at once in numpy. A shingle set is a sorted array of 8-byte hashes (a tenth of a set of
strings); two distinct shingles share a 64-bit hash with odds of 2**-64, so the Jaccard similarity
of two such sets is exact in all but name. Signatures are NUM_PERM minima of 32-bit affine
permutations of the shingle hashes (as datasketch's "affine32" scheme):
numpy arithmetic modulo 2**32, no Python loop over shingles (SHA-1 per shingle made MinHash the
slowest part of the build: 267 documents/s).
"""

from __future__ import annotations

import hashlib

import numpy as np

from scripts import describe

# Measured with `make bench-dedup` (republications of the seeds against the other seeds, all the same
# genre): 5, 9 and 13 all separate them at JACCARD_MIN, but 5-character shingles make unrelated
# health-bureau texts share 4.5x more (mean Jaccard 0.0072 vs 0.0016 at 9; max 0.058 vs 0.049),
# and 13 lets fewer true pairs pass on their own (96.9% vs 97.5%): 9 has the fewest chance
# matches among sizes that keep every direct pass.
SHINGLE = 9
NUM_PERM = 128
SEED = 1
# Shingles multiplied at once: bounds the (NUM_PERM x shingles) buffer to 8 MB.
BLOCK = 16384

_BASE = np.uint64(0x100000001B3)
_random = np.random.RandomState(SEED)
_A = (_random.randint(1, 2**32, NUM_PERM, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)
_B = _random.randint(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
_EMPTY = np.full(NUM_PERM, 2**32 - 1, dtype=np.uint32)


def shingles(text: str, size: int = SHINGLE, folded: str | None = None) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the text's folded character shingles (a text shorter
    than ``size`` is one shingle); ``folded`` is describe.fold(text) when the caller has it."""
    folded = describe.fold(text) if folded is None else folded
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) == 0:
        return codes
    width = min(size, len(codes))
    count = len(codes) - width + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        for offset in range(width):
            hashes = hashes * _BASE + codes[offset:offset + count]
        hashes ^= hashes >> np.uint64(31)  # a finaliser, so the top bits depend on every character
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(32)
    return unique_sorted(hashes)


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """np.unique by a sort and a comparison with the neighbour: the same array, 3.5x faster than
    np.unique's hash table on uint64 shingles (measured on 2,000 arrays of 500-20,000)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def signature(shingle_set: np.ndarray) -> np.ndarray:
    """The NUM_PERM uint32 MinHash values of a shingle-hash array (all 2**32-1 when empty).

    One permutation per row, shingles along it, computed in place: a minimum along contiguous
    memory is 6.5x faster than down the columns of the (shingles x NUM_PERM) layout with its two
    temporaries (measured on 500 sets of 200-20,000 shingles; the same values)."""
    low = (shingle_set & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    values = _EMPTY.copy()
    buffer = np.empty((NUM_PERM, min(len(low), BLOCK)), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, len(low), BLOCK):
            part = low[start:start + BLOCK]
            block = buffer[:, :len(part)]
            np.multiply(_A[:, None], part, out=block)
            np.add(block, _B[:, None], out=block)
            np.minimum(values, block.min(axis=1), out=values)
    return values


def signature_hex(text: str, folded: str | None = None) -> str:
    """A document's signature as split records it: 1,024 hex digits (little-endian uint32s)."""
    return signature(shingles(text, folded=folded)).astype("<u4").tobytes().hex()


def from_hex(text: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(text), dtype="<u4").astype(np.uint32)


def folded_sha256(text: str, folded: str | None = None) -> str:
    """What makes two documents exact copies: their folded text (no spaces or punctuation)."""
    folded = describe.fold(text) if folded is None else folded
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)
