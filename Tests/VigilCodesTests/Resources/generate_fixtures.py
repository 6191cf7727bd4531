#!/usr/bin/env python3
"""Regenerates the fixtures in this folder for InflateTests, PNGDecoderTests and QRImageReaderTests.

Run from this folder:  python3 generate_fixtures.py
Needs Python 3 (zlib is built in) plus `pip install pillow segno` (made with Pillow 13.0.0,
segno 1.6.6, Python 3.11, zlib 1.2.13 or later). Output is deterministic for a given zlib.

Nothing here uses the Swift code under test: zlib streams come from Python's zlib, PNG files are
written by the small independent encoder below (checked by reading each back with Pillow) or by
Pillow itself, and QR module matrices come from segno.
"""
import os
import struct
import zlib

from PIL import Image
import segno

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    assert len(data) < 20_000, f"{name} is {len(data)} bytes"


# ---------------------------------------------------------------------------------------------
# Inflate
# ---------------------------------------------------------------------------------------------

def xorshift32(state):
    """The same generator as `InflateTests.sampleInput` in Swift."""
    while True:
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        yield state


def sample_input():
    """~42 KB: 2000 random bytes, 30000 bytes of word text, the same 2000 random bytes again
    (a match 32000 bytes back), then 8000 more bytes of text."""
    rng = xorshift32(0x12345678)
    words = [b"vigil", b"health", b"code", b"case", b"report", b"district", b"fever", b"cough",
             b"alert", b"sample"]
    noise = bytes(next(rng) & 0xFF for _ in range(2000))

    def text(n):
        t = bytearray()
        count = 0
        while len(t) < n:
            t += words[next(rng) % 10]
            count += 1
            t += b"\n" if count % 12 == 0 else b" "
        return bytes(t[:n])

    return noise + text(30000) + noise + text(8000)


def first_block_type(stream):
    return (stream[2] >> 1) & 3


def make_inflate_fixtures():
    data = sample_input()
    assert len(data) == 42000
    for level in (1, 6, 9):
        stream = zlib.compress(data, level)
        out(f"inflate-sample.level{level}.zlib", stream)
        # Levels 1, 6, 9 on this input start with a dynamic-Huffman block (BTYPE 2).
        assert first_block_type(stream) == 2, level
        assert zlib.decompress(stream) == data
    # The long-distance match: with a 16 KB window the repeated noise cannot be referenced and
    # costs ~2000 more bytes, so the 32 KB-window stream above really uses a distance of 32000.
    c15 = zlib.compressobj(9, zlib.DEFLATED, 15)
    c14 = zlib.compressobj(9, zlib.DEFLATED, 14)
    size15 = len(c15.compress(data) + c15.flush())
    size14 = len(c14.compress(data) + c14.flush())
    assert size14 - size15 > 1800, (size14, size15)

    # Level 0 (stored blocks) on the first 3000 bytes, with a full flush after 1000 bytes so the
    # stream holds several stored blocks including an empty one.
    c = zlib.compressobj(0)
    stored = c.compress(data[:1000]) + c.flush(zlib.Z_FULL_FLUSH) + c.compress(data[1000:3000]) + c.flush()
    assert first_block_type(stored) == 0
    assert zlib.decompress(stored) == data[:3000]
    out("inflate-sample-3000.level0.zlib", stored)

    # A decompression bomb: 1 MiB of zeros at level 9 (about 1 KB).
    out("zeros-1MiB.level9.zlib", zlib.compress(bytes(1 << 20), 9))

    # A short input that zlib codes with one fixed-Huffman block; the test holds it as a literal.
    fixed = zlib.compress(b"hello, hello, hello vigil", 9)
    assert first_block_type(fixed) == 1
    print("fixed-Huffman literal for InflateTests:", list(fixed))


# ---------------------------------------------------------------------------------------------
# PNG: an independent encoder
# ---------------------------------------------------------------------------------------------

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, depth):
    """Samples (ints) of one row to bytes at the given bit depth."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out_bytes = bytearray()
    acc, bits = 0, 0
    for s in samples:
        acc = (acc << depth) | s
        bits += depth
        if bits == 8:
            out_bytes.append(acc)
            acc, bits = 0, 0
    if bits:
        out_bytes.append(acc << (8 - bits))
    return bytes(out_bytes)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, prev, bpp):
    res = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        res.append((x - pred) & 0xFF)
    return bytes([kind]) + bytes(res)


def encode_png(width, height, color_type, depth, pixels, filters, palette=None, trns=None,
               interlace=False, idat_parts=1, extra_chunks=()):
    """pixels[y][x] is a tuple of samples for the colour type; filters is a list cycled per row."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    bpp = max(1, channels * depth // 8)
    passes = [(0, 0, 1, 1)]
    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    row_number = 0
    for x0, y0, dx, dy in passes:
        xs = list(range(x0, width, dx))
        ys = list(range(y0, height, dy))
        if not xs or not ys:
            continue
        prev = None
        for y in ys:
            samples = [s for x in xs for s in pixels[y][x]]
            row = pack_row(samples, depth)
            raw += filter_row(filters[row_number % len(filters)], row, prev, bpp)
            prev = row
            row_number += 1
    compressed = zlib.compress(bytes(raw), 9)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0))
    for kind, data in extra_chunks:
        png += chunk(kind, data)
    if palette is not None:
        png += chunk(b"PLTE", b"".join(bytes(p) for p in palette))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    step = (len(compressed) + idat_parts - 1) // idat_parts
    for i in range(0, len(compressed), step):
        png += chunk(b"IDAT", compressed[i:i + step])
    png += chunk(b"IEND", b"")
    return png


# The reference conversion to grey, written out independently of the Swift decoder.

def to8(v, depth):
    if depth == 16:
        return (v * 255 + 32767) // 65535
    if depth < 8:
        return v * 255 // ((1 << depth) - 1)
    return v


def luma(r, g, b):
    return (299 * r + 587 * g + 114 * b + 500) // 1000


def over_white(gray, alpha):
    return (gray * alpha + 255 * (255 - alpha) + 127) // 255


def expected_gray(color_type, depth, px, palette=None, trns=None):
    if color_type == 3:
        r, g, b = palette[px[0]]
        alpha = trns[px[0]] if trns is not None and px[0] < len(trns) else 255
        return over_white(luma(r, g, b), alpha)
    if trns is not None:
        key = struct.unpack(">" + "H" * (len(trns) // 2), trns)
        if tuple(px) == key:
            return 255
    if color_type == 0:
        return to8(px[0], depth)
    if color_type == 2:
        return luma(*(to8(v, depth) for v in px))
    if color_type == 4:
        return over_white(to8(px[0], depth), to8(px[1], depth))
    r, g, b, a = (to8(v, depth) for v in px)
    return over_white(luma(r, g, b), a)


def pixel_grid(width, height, color_type, depth, seed, palette_size=None):
    rng = xorshift32(seed)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    top = palette_size - 1 if color_type == 3 else (1 << depth) - 1
    return [[tuple(next(rng) % (top + 1) for _ in range(channels)) for _ in range(width)] for _ in range(height)]


def check_with_pillow(path, width, height, color_type, depth, pixels, palette, trns):
    """Reads the file back with Pillow (an independent decoder) and checks the samples."""
    img = Image.open(path)
    img.load()
    assert img.size == (width, height)
    if depth == 16 and color_type != 0:
        return  # Pillow reduces 16-bit colour to 8 bits its own way; the size check must do.
    for y in range(height):
        for x in range(width):
            got = img.getpixel((x, y))
            want = pixels[y][x]
            if color_type == 3:
                assert got == want[0], (path, x, y, got, want)
            elif color_type == 0:
                v = want[0] if depth in (8, 16) else to8(want[0], depth)
                if img.mode == "1":
                    v = 255 if want[0] else 0
                assert got == v, (path, x, y, got, v)
            else:
                assert tuple(got if isinstance(got, tuple) else (got,)) == tuple(want), (path, x, y, got, want)


PNG_CASES = [
    # name, width, height, colour type, bit depth, filters, extras
    ("gray1", 13, 7, 0, 1, [0], {}),
    ("gray2", 11, 5, 0, 2, [1], {}),
    ("gray2-trns", 9, 4, 0, 2, [2], {"trns_key": 2}),
    ("gray4", 9, 6, 0, 4, [2], {}),
    ("gray8-avg", 16, 8, 0, 8, [3], {}),
    ("gray16-paeth", 7, 5, 0, 16, [4], {}),
    ("gray8-paeth-ties", 24, 12, 0, 8, [4], {"sample_range": 6}),
    ("gray8-trns", 8, 8, 0, 8, [0, 1, 2, 3, 4], {"trns_gray": True}),
    ("rgb8-allfilters", 10, 6, 2, 8, [0, 1, 2, 3, 4], {}),
    ("rgb16", 6, 5, 2, 16, [4, 3, 2, 1, 0], {}),
    ("rgb8-trns", 5, 5, 2, 8, [4], {"trns_rgb": True}),
    ("palette1", 12, 4, 3, 1, [0, 4], {"palette_size": 2}),
    ("palette2", 7, 7, 3, 2, [1, 2], {"palette_size": 4}),
    ("palette4-trns", 11, 7, 3, 4, [3, 4], {"palette_size": 16, "trns_palette": True}),
    ("palette8", 9, 9, 3, 8, [0, 1, 2, 3, 4], {"palette_size": 200}),
    ("grayalpha8", 9, 4, 4, 8, [1, 4], {}),
    ("grayalpha16", 5, 5, 4, 16, [2, 3], {}),
    ("rgba8", 8, 6, 6, 8, [4, 2], {}),
    ("rgba16", 4, 4, 6, 16, [3, 1], {}),
    ("rgb8-interlaced", 13, 11, 2, 8, [0, 1, 2, 3, 4], {"interlace": True}),
    ("gray1-interlaced", 10, 9, 0, 1, [4, 0], {"interlace": True}),
    ("rgba8-interlaced-tiny", 3, 2, 6, 8, [1], {"interlace": True}),
    ("gray8-multi-idat", 20, 12, 0, 8, [4], {"idat_parts": 4}),
]


def make_png_fixtures():
    for index, (name, w, h, ct, depth, filters, extra) in enumerate(PNG_CASES):
        palette_size = extra.get("palette_size")
        pixels = pixel_grid(w, h, ct, depth, 0x9E3779B9 ^ (index * 7919 + 1), palette_size)
        if "sample_range" in extra:
            # Few distinct values make Paeth's ties (pa > pb == pc, which must pick b) common.
            pixels = [[tuple(v % extra["sample_range"] for v in px) for px in row] for row in pixels]
        palette = None
        trns = None
        if ct == 3:
            rng = xorshift32(0xC0FFEE + index)
            palette = [tuple(next(rng) & 0xFF for _ in range(3)) for _ in range(palette_size)]
        if extra.get("trns_palette"):
            trns = bytes([0, 128, 255, 64, 200, 10])  # fewer entries than the palette: the rest are opaque
        if extra.get("trns_gray"):
            pixels[1][1] = pixels[3][4] = (77,)
            trns = struct.pack(">H", 77)
        if "trns_key" in extra:
            trns = struct.pack(">H", extra["trns_key"])
        if extra.get("trns_rgb"):
            pixels[0][0] = pixels[2][3] = (10, 20, 30)
            trns = struct.pack(">HHH", 10, 20, 30)
        extra_chunks = [(b"tEXt", b"Comment\x00fixture " + name.encode())] if name.endswith("multi-idat") else []
        png = encode_png(w, h, ct, depth, pixels, filters, palette, trns,
                         interlace=extra.get("interlace", False), idat_parts=extra.get("idat_parts", 1),
                         extra_chunks=extra_chunks)
        out(f"png-{name}.png", png)
        check_with_pillow(os.path.join(HERE, f"png-{name}.png"), w, h, ct, depth, pixels, palette, trns)
        gray = bytes(expected_gray(ct, depth, pixels[y][x], palette, trns) for y in range(h) for x in range(w))
        out(f"png-{name}.gray", gray)

    # Written by Pillow itself (its own filter choice and zlib settings): an RGBA image.
    rng = xorshift32(0xABCDEF)
    w, h = 15, 10
    rgba = [tuple(next(rng) & 0xFF for _ in range(4)) for _ in range(w * h)]
    img = Image.new("RGBA", (w, h))
    img.putdata(rgba)
    img.save(os.path.join(HERE, "png-pillow-rgba.png"), optimize=True)
    out("png-pillow-rgba.gray", bytes(over_white(luma(r, g, b), a) for r, g, b, a in rgba))

    # Broken files. Each is valid except for the one named fault.
    good = encode_png(8, 4, 0, 8, [[(x * 30 + y * 5,) for x in range(8)] for y in range(4)], [0])
    # 1. The zlib stream inside IDAT is damaged (CRCs recomputed, so only inflate can tell).
    raw = bytes([0] + [x * 30 for x in range(8)]) * 4
    bad_stream = bytearray(zlib.compress(raw, 9))
    bad_stream[2] = 0xFF  # first block header: BTYPE 3, reserved
    out("png-bad-zlib.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 4, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", bytes(bad_stream)) + chunk(b"IEND", b""))
    # 2. A row with filter type 7.
    bad_filter = bytes([7] + [x * 30 for x in range(8)]) + raw[9:]
    out("png-bad-filter.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 4, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bad_filter)) + chunk(b"IEND", b""))
    # 3. An unknown critical chunk "ZZZZ" before IDAT.
    out("png-unknown-critical.png", good[:33] + chunk(b"ZZZZ", b"x") + good[33:])
    # 4. A header claiming 100000 × 100000 pixels (no pixel data needed: refused first).
    out("png-huge-header.png", b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b""))
    # 5. Too little image data: 3 rows instead of 4.
    out("png-short-data.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 4, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw[:27])) + chunk(b"IEND", b""))
    # The good file the tests truncate and damage themselves.
    out("png-small-good.png", good)
    out("png-small-good.gray", bytes((x * 30 + y * 5) for y in range(4) for x in range(8)))


# ---------------------------------------------------------------------------------------------
# QR codes: segno matrices, rendered and rotated here
# ---------------------------------------------------------------------------------------------

QR_CASES = [
    # name, content, version, pixels per module, rotation (degrees clockwise), style
    ("qr-v1-s10-r0", "VIGIL", 1, 10, 0, "L"),
    ("qr-v2-s5.5-r90", "HC1:VIGIL/2024/0001", 2, 5.5, 90, "1"),
    ("qr-v7-s4-r180", "https://vigil.example/code/7?case=D-2024-0042&status=clear", 7, 4, 180, "RGB"),
    ("qr-v10-s3-r270", "VIGIL HEALTH CODE V10 " * 6, 10, 3, 270, "P"),
    ("qr-v15-s5.5-r0", "vigil:hc1:" + "0123456789abcdef" * 14, 15, 5.5, 0, "1"),
    ("qr-v15-s3-r90", "vigil:hc1:" + "fedcba9876543210" * 14, 15, 3, 90, "1"),
    ("qr-v2-s4-inverted", "INVERTED", 2, 4, 0, "inverted"),
    ("qr-v7-s5.5-antialiased-r270", "anti-aliased edges, grey levels", 7, 5.5, 270, "antialiased"),
]


def render(matrix, scale, quiet=4):
    n = len(matrix)
    side = int(round((n + 2 * quiet) * scale))
    img = Image.new("L", (side, side), 255)
    px = img.load()
    for y in range(side):
        my = int((y + 0.5) / scale) - quiet
        for x in range(side):
            mx = int((x + 0.5) / scale) - quiet
            if 0 <= mx < n and 0 <= my < n and matrix[my][mx]:
                px[x, y] = 0
    return img


def make_qr_fixtures():
    rotations = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                 270: Image.Transpose.ROTATE_90}  # PIL rotates counter-clockwise
    for name, content, version, scale, rotation, style in QR_CASES:
        qr = segno.make(content, version=version, error="m", boost_error=False, micro=False)
        assert qr.version == version, (name, qr.version)
        matrix = [[1 if v else 0 for v in row] for row in qr.matrix]
        with open(os.path.join(HERE, name + ".txt"), "w") as f:
            f.write("".join("".join(str(v) for v in row) + "\n" for row in matrix))
        if style == "antialiased":
            img = render(matrix, scale * 4).resize(
                (int(round((len(matrix) + 8) * scale)),) * 2, Image.Resampling.BOX)
        else:
            img = render(matrix, scale)
        if rotations[rotation] is not None:
            img = img.transpose(rotations[rotation])
        path = os.path.join(HERE, name + ".png")
        if style == "1":
            img.convert("1", dither=Image.Dither.NONE).save(path, optimize=True)
        elif style == "RGB":
            # Dark navy modules on a cream background.
            lut = img.point(lambda v: 255 if v > 127 else 0)
            Image.merge("RGB", (lut.point(lambda v: 250 if v else 20),
                                lut.point(lambda v: 240 if v else 30),
                                lut.point(lambda v: 200 if v else 90))).save(path, optimize=True)
        elif style == "P":
            img.convert("P").save(path, optimize=True)
        elif style == "inverted":
            img.point(lambda v: 255 - v).save(path, optimize=True)
        else:
            img.save(path, optimize=True)
        assert os.path.getsize(path) < 20_000, (path, os.path.getsize(path))


if __name__ == "__main__":
    make_inflate_fixtures()
    make_png_fixtures()
    make_qr_fixtures()
