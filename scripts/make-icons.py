#!/usr/bin/env python3
"""Draws the app icon (a dossier sheet with a red seal) into src-tauri/icons/.

The icons are committed; run this again only to change them. Pure Python (zlib), so it
needs nothing installed: PNGs at the sizes Tauri's bundler wants, and an .ico that embeds
PNGs (Windows Vista and later read those).
"""
import math
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "src-tauri", "icons")


def png(size):
    s = size / 256.0
    px = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            fx, fy = (x + 0.5) / s, (y + 0.5) / s
            r, g, b, a = 0, 0, 0, 0
            # background: rounded square, deep blue
            if rounded(fx, fy, 8, 8, 248, 248, 44):
                r, g, b, a = 23, 62, 122, 255
            # the sheet
            if rounded(fx, fy, 62, 36, 194, 214, 10):
                r, g, b = 250, 250, 246
                for ly in (78, 104, 130, 156):
                    if ly <= fy <= ly + 9 and 84 <= fx <= 172 - (30 if ly == 156 else 0):
                        r, g, b = 120, 140, 170
            # the seal, lower right
            d = math.hypot(fx - 178, fy - 190)
            if d <= 44:
                r, g, b, a = 200, 32, 38, 255
                if 30 <= d <= 35:
                    r, g, b = 250, 220, 120
                if in_star(fx - 178, fy - 190, 22):
                    r, g, b = 250, 220, 120
            row += bytes([r, g, b, a])
        px.append(bytes(row))
    raw = b"".join(px)

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def rounded(x, y, x0, y0, x1, y1, r):
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return math.hypot(x - cx, y - cy) <= r


def in_star(x, y, radius):
    """Inside a five-pointed star of the given outer radius, centred at the origin."""
    pts = []
    for i in range(10):
        ang = -math.pi / 2 + i * math.pi / 5
        rr = radius if i % 2 == 0 else radius * 0.4
        pts.append((rr * math.cos(ang), rr * math.sin(ang)))
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def ico(images):
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def main():
    os.makedirs(OUT, exist_ok=True)
    sizes = {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}
    made = {}
    for name, size in sizes.items():
        made[size] = png(size)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(made[size])
    with open(os.path.join(OUT, "icon.ico"), "wb") as f:
        f.write(ico([(32, made[32]), (256, made[256])]))


if __name__ == "__main__":
    main()
