"""Deterministic test images for the image-optimiser tests and benchmarks (Pillow only).

* ``photo_like``: smooth colour fields (upscaled random low-res noise), hard-edged shapes and film
  grain - the mix of flat areas, edges and texture that real photos give encoders.
* ``alpha_png``: photo-like RGB with a radial alpha mask and fully transparent corners.
* ``animated_gif``: a few palette frames whose first frame is recognisably different.
"""

import io
import random


def photo_like(width, height, seed=7):
    """An RGB image resembling a photograph."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    small = (max(4, width // 64), max(3, height // 64))
    base = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    image = base.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(max(2, width // 40), max(3, width // 8))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.polygon([(x, y), (x + r, y + r // 3), (x + r // 2, y + r)], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(radius=max(1, width // 1000)))
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    return Image.blend(image, grain, 0.06)


def alpha_png(width, height, seed=11):
    """An RGBA image with a soft radial alpha and transparent corners."""
    from PIL import Image
    rgb = photo_like(width, height, seed)
    alpha = Image.radial_gradient("L").resize((width, height)).point(lambda v: 255 - v)
    image = rgb.convert("RGBA")
    image.putalpha(alpha)
    return image


def animated_gif(width, height, frames=4):
    """An animated GIF whose first frame is solid red-ish and later frames blue-ish."""
    from PIL import Image
    colours = [(220, 30, 30)] + [(30, 30, 200 - 20 * i) for i in range(frames - 1)]
    images = [Image.new("RGB", (width, height), c).convert("P") for c in colours]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def encoded(image, fmt, **options):
    """Bytes of ``image`` saved as ``fmt``."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()
