"""The fast mask choice for QR codes: qrcode's own choice, computed with bit operations.

qrcode's best_mask_pattern lays the data out 8 times in pure Python (~10 ms a code, 2 s for a
200-card sheet). Here each version's fixed patterns and mask grids are packed once as big ints, the
data is laid out once, the 8 masks are XORs and the ISO 18004 penalty is bit counting. Same penalty,
same choice, same matrix (tests compare against qrcode itself). qrcode is imported lazily.
"""

from __future__ import annotations

import functools


_BINARY = bytes.maketrans(b"\x00\x01", b"01")


def _pack(lines, n: int) -> int:
    """Lines of modules as one int: line r at bits r*(n+1) .. r*(n+1)+n-1, a zero bit between lines."""
    text = [b"0" + bytes(line)[::-1].translate(_BINARY) for line in lines]  # bools are 0/1 bytes
    return int(b"".join(reversed(text)), 2)


@functools.cache
def _slots(n: int, first: int, last: int, lines: int | None = None) -> int:
    """A packed mask with bits first..last set in each of `lines` lines (all n by default)."""
    one = ((1 << (last - first + 1)) - 1) << first
    return sum(one << (r * (n + 1)) for r in range(n if lines is None else lines))


class _Layout:
    """Everything about a version that does not depend on the data, packed as rows and as columns."""

    def __init__(self, fixed: list[list[bool | None]]) -> None:
        from qrcode.util import mask_func

        n = self.n = len(fixed)
        self.size = n * (n + 1)
        free = [[m is None for m in row] for row in fixed]
        dark = [[m is True for m in row] for row in fixed]  # function patterns, format info blank
        self.fixed = (_pack(dark, n), _pack(zip(*dark), n))
        masks = []
        for k in range(8):
            flip = mask_func(k)
            grid = [[free[i][j] and flip(i, j) for j in range(n)] for i in range(n)]
            masks.append((_pack(grid, n), _pack(zip(*grid), n)))
        self.masks = masks
        # Data bit i goes to the i-th free module in qrcode's map_data walk: up and down column pairs
        # from the right, skipping the vertical timing column. Stored as indexes into the packed
        # bit string (most significant bit first), for rows and for columns.
        order_rows, order_cols = [], []
        row, step = n - 1, -1
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            while 0 <= row < n:
                for c in (col, col - 1):
                    if free[row][c]:
                        order_rows.append(self.size - 1 - (row * (n + 1) + c))
                        order_cols.append(self.size - 1 - (c * (n + 1) + row))
                row += step
            row -= step
            step = -step
        self.order = (order_rows, order_cols)

    def data(self, codewords: list[int]) -> tuple[int, int]:
        """The data bits placed (unmasked) into an empty packed matrix, as rows and as columns."""
        bits = format(int.from_bytes(bytes(codewords), "big"), f"0{8 * len(codewords)}b")
        out = []
        for order in self.order:
            text = bytearray(b"0" * self.size)
            for index, bit in zip(order, bits):
                if bit == "1":
                    text[index] = 49  # "1"
            out.append(int(text, 2))
        return out[0], out[1]


_LAYOUTS: dict[int, _Layout] = {}  # version → its layout


_FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))


def _penalty_lines(lines: int, n: int) -> int:
    """ISO 18004 rules 1 (runs of 5+) and 3 (1:1:3:1:1 beside 4 light) over packed lines."""
    same = ~(lines ^ (lines >> 1)) & _slots(n, 0, n - 2)  # bit c: module c equals module c+1
    five = same & (same >> 1) & (same >> 2) & (same >> 3)  # bit c: modules c..c+4 equal
    # a run of L >= 5 scores L - 2 = (L - 4 windows of five) + 2 per run
    total = five.bit_count() + 2 * (five & ~(five << 1)).bit_count()
    starts = _slots(n, 0, n - 11)
    for pattern in _FINDER_LIKE:
        hit = starts
        for t, dark in enumerate(pattern):
            hit &= (lines >> t) if dark else (~lines >> t)
        total += 40 * hit.bit_count()
    return total


def _penalty(rows: int, cols: int, n: int) -> int:
    """qrcode.util.lost_point, with bit operations on packed rows and columns."""
    total = _penalty_lines(rows, n) + _penalty_lines(cols, n)
    below = rows >> (n + 1)  # row r+1 aligned with row r
    v = ~(rows ^ below)
    total += 3 * (v & (v >> 1) & ~(rows ^ (rows >> 1)) & _slots(n, 0, n - 2, n - 1)).bit_count()  # rule 2
    dark = rows.bit_count()  # rule 4, computed exactly as qrcode.util does
    return total + 10 * int(abs(float(dark) / (n**2) * 100 - 50) / 5)


def make_fast(qr) -> bool:
    """Make qr (its version already fitted) with the mask qrcode would choose; True when done.

    False when qrcode's internals are not the ones this was written against: the caller then runs
    qrcode's own make(), slower but the same result.
    """
    from qrcode import util

    needed = ("makeImpl", "map_data", "setup_type_info", "setup_type_number", "data_list")
    if not all(hasattr(qr, name) for name in needed):
        return False
    layout = _LAYOUTS.get(qr.version)
    if layout is None:  # once per version: let qrcode draw the function patterns, catch them
        fixed: list[list[bool | None]] = []
        real_map = qr.map_data

        def capture(data, mask):
            fixed.extend(list(row) for row in qr.modules)
            real_map(data, mask)

        qr.map_data = capture
        try:
            qr.makeImpl(True, 0)  # test mode, as best_mask_pattern scores it: format info blank
        finally:
            del qr.map_data
        if len(fixed) != qr.modules_count:
            return False
        layout = _LAYOUTS[qr.version] = _Layout(fixed)
    n = qr.modules_count = layout.n
    qr.data_cache = util.create_data(qr.version, qr.error_correction, qr.data_list)
    data_rows, data_cols = layout.data(qr.data_cache)
    fixed_rows, fixed_cols = layout.fixed
    candidates = [(fixed_rows | (data_rows ^ mr), fixed_cols | (data_cols ^ mc)) for mr, mc in layout.masks]
    scores = [_penalty(rows, cols, n) for rows, cols in candidates]
    k = scores.index(min(scores))  # the first minimum, like qrcode
    rows = candidates[k][0]
    full = (1 << n) - 1
    lines = (format((rows >> (r * (n + 1))) & full, f"0{n}b")[::-1] for r in range(n))
    qr.modules = [[b == "1" for b in line] for line in lines]
    qr.setup_type_info(False, k)
    if qr.version >= 7:
        qr.setup_type_number(False)
    qr.mask_pattern = k
    return True
