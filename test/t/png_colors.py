#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG, with the standard library only.

    python3 png_colors.py shot.png 1f77b4 ff7f0e ...   ->  one "rrggbb count" line per colour

Handles what a browser screenshot is: 8-bit RGB or RGBA, not interlaced (any filter types).
Used by test/t/003_statement_render.pl to check that the statement's charts were drawn.
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {colour_type}, interlace {interlace})")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                row[i] = (row[i] + prev[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pred) & 0xFF
        elif kind != 0:
            raise SystemExit(f"{path}: bad filter type {kind} in row {y}")
        rows.append(row)
        prev = row
    return width, height, bpp, rows


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    width, height, bpp, rows = read_png(sys.argv[1])
    wanted = {bytes.fromhex(c.lstrip("#")): c.lstrip("#").lower() for c in sys.argv[2:]}
    counts = dict.fromkeys(wanted, 0)
    for row in rows:
        for x in range(0, width * bpp, bpp):
            rgb = bytes(row[x:x + 3])
            # Opaque pixels only: a screenshot has no transparency.
            if rgb in counts and (bpp == 3 or row[x + 3] == 255):
                counts[rgb] += 1
    print(f"size {width}x{height}")
    for rgb, name in wanted.items():
        print(f"{name} {counts[rgb]}")


if __name__ == "__main__":
    main()
