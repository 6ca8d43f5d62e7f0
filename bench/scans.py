"""Scans we make ourselves: text set in a CJK serif font (Debian
fonts-noto-cjk), rendered to page images at a given resolution, optionally
turned a few degrees and speckled, and wrapped as PDFs without a text layer or
saved as photos. The OCR benchmark and the OCR tests read our own sample
documents this way.
"""
from __future__ import annotations

import glob
import textwrap
from pathlib import Path

import numpy as np

A4_INCHES = (8.27, 11.69)
MARGIN_INCHES = 0.8
POINTS = 12


def font_file() -> str:
    """The Noto Serif CJK collection (its SC face sets Chinese and Latin alike)."""
    found = sorted(glob.glob("/usr/share/fonts/**/NotoSerifCJK-Regular.ttc", recursive=True))
    if not found:
        raise FileNotFoundError("the CJK font is missing: install Debian's fonts-noto-cjk")
    return found[0]


def _face(size: int):
    from PIL import ImageFont

    for index in range(10):  # the collection's Simplified Chinese face
        font = ImageFont.truetype(font_file(), size, index=index)
        if font.getname()[0].endswith(" SC"):
            return font
    return ImageFont.truetype(font_file(), size)


def wrap(text: str, zh: bool) -> list[str]:
    """Lines that fit an A4 page at 12 pt: paragraphs wrapped, blank lines dropped."""
    width = 34 if zh else 78
    lines: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip().lstrip("#").strip()
        if paragraph:
            lines.extend(textwrap.wrap(paragraph, width) or [paragraph])
    return lines


def lines_per_page(dpi: int) -> int:
    size = int(POINTS / 72 * dpi)
    return int((A4_INCHES[1] - 2 * MARGIN_INCHES) * dpi // int(size * 1.6))


def render_page(lines: list[str], dpi: int = 300, rotate: float = 0.0, noise: float = 0.0, seed: int = 0):
    """One A4 page image (greyscale) holding `lines`."""
    from PIL import Image, ImageDraw

    width, height = (int(x * dpi) for x in A4_INCHES)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = int(POINTS / 72 * dpi)
    font = _face(size)
    x = y = int(MARGIN_INCHES * dpi)
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        y += int(size * 1.6)
    if rotate:
        image = image.rotate(rotate, resample=Image.BICUBIC, fillcolor=255)
    if noise:
        pixels = np.asarray(image, dtype=np.float32)
        pixels += np.random.default_rng(seed).normal(0, noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return image


def paginate(lines: list[str], dpi: int) -> list[list[str]]:
    n = lines_per_page(dpi)
    return [lines[i:i + n] for i in range(0, len(lines), n)] or [[]]


def scanned_pdf(path: Path, pages: list[list[str]], dpi: int = 300, rotate: float = 0.0, noise: float = 0.0) -> Path:
    """A PDF of page images only (no text layer), as a scanner makes it."""
    images = [render_page(lines, dpi, rotate, noise, seed=i) for i, lines in enumerate(pages)]
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return path


def photo(path: Path, lines: list[str], dpi: int = 300, rotate: float = 0.0, noise: float = 0.0) -> Path:
    """One page as a PNG or JPEG file (by the suffix of `path`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    render_page(lines, dpi, rotate, noise).save(path)
    return path
