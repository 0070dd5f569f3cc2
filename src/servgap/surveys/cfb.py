"""A structural check of Excel 97-2003 files (OLE2 "compound files", MS-CFB) before they are parsed.

python-calamine trusts the sector counts, chains and stream sizes it finds, and a damaged file can
make it allocate gigabytes and abort the whole process (no Python exception to catch). So every
number it would trust is checked against the file first: the header (MS-CFB §2.2), the FAT
sectors it lists, the FAT entries, the directory chain and every stream's start, chain and size.
"""

from __future__ import annotations

import struct
from pathlib import Path

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAXREGSECT = 0xFFFFFFFA          # sector numbers from here up are markers
ENDOFCHAIN, FREESECT = 0xFFFFFFFE, 0xFFFFFFFF


def _chain(start: int, fat: list[int], sectors: int) -> list[int] | None:
    """The sectors of the chain from ``start`` (``None`` when it leaves the file or loops)."""
    out, seen = [], set()
    s = start
    while s != ENDOFCHAIN:
        if s >= sectors or s >= len(fat) or s in seen:
            return None
        seen.add(s)
        out.append(s)
        s = fat[s]
    return out


def compound_file_problem(path) -> str | None:
    """What is wrong with the compound file at ``path`` (``None`` when its structure is sound)."""
    data = Path(path).read_bytes()
    if len(data) < 512 or not data.startswith(SIGNATURE):
        return "the compound-file header is missing or cut short"
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    n_dir, n_fat, dir_start, _, cutoff, mini_start, n_mini, difat_start, n_difat = struct.unpack_from("<9I", data, 40)
    if shift not in (9, 12) or mini_shift != 6 or cutoff != 4096:
        return "the compound-file header is invalid"
    ssz = 1 << shift
    sectors = (len(data) - 512) // ssz
    if max(n_dir, n_fat, n_mini, n_difat) > sectors or dir_start >= sectors:
        return "the compound-file header counts more sectors than the file holds"

    def sector(k: int) -> bytes:
        return data[512 + k * ssz: 512 + (k + 1) * ssz]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76)[:min(n_fat, 109)]]
    d = difat_start
    for _ in range(n_difat):                       # further FAT sector numbers, in a chain of DIFAT sectors
        if d >= sectors:
            return "the list of FAT sectors points outside the file"
        words = struct.unpack(f"<{ssz // 4}I", sector(d))
        fat_sectors += list(words[:-1])
        d = words[-1]
    fat_sectors = fat_sectors[:n_fat]
    if len(fat_sectors) < n_fat or any(s >= sectors for s in fat_sectors):
        return "the list of FAT sectors points outside the file"
    fat = [w for s in fat_sectors for w in struct.unpack(f"<{ssz // 4}I", sector(s))]
    if any(w >= sectors and w < MAXREGSECT for w in fat):
        return "the sector table points outside the file"
    dirs = _chain(dir_start, fat, sectors)
    if not dirs:
        return "the directory chain leaves the file or loops"
    if n_mini and _chain(mini_start, fat, sectors) is None:
        return "the mini sector table chain leaves the file or loops"
    for k in dirs:
        block = sector(k)
        for off in range(0, ssz, 128):
            kind = block[off + 66]
            if kind not in (2, 5):                 # only streams and the root (the mini stream) hold data
                continue
            start, size = struct.unpack_from("<IQ", block, off + 116)
            size = size & 0xFFFFFFFF if shift == 9 else size
            if size > len(data):
                return "a stream is larger than the file"
            if (kind == 5 or size >= cutoff) and size:
                chain = _chain(start, fat, sectors)
                if chain is None or len(chain) * ssz < size:
                    return "a stream's sectors leave the file, loop, or are fewer than its size"
    return None
