"""The optimiser's fast paths (lambdas/image_optimizer/fast_paths.py) against its plain-Pillow path.

Each fast path must give what the plain path gives: pixel-identical where the computation is the same
(ISA-L inflate, bands resized after vs while decoding, encodes of identical pixels), and within the
stated levels where it differs by design (3/8 DCT scale, band offsets in the resize). Plus: the fast
paths are used only on a verified Pillow, and that set, pyproject's pin and the Lambda lock agree.
"""

import io
import pathlib
import re
import struct
import sys
import zlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture()
def optimizer(edge):
    return edge["image_optimizer"]


@pytest.fixture()
def fast(optimizer):
    module = optimizer.fast_paths()
    assert module is not None, "the installed Pillow is not one the fast paths were verified on"
    return module


def mean_difference(a, b):
    from PIL import ImageChops, ImageStat
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def max_difference(a, b):
    from PIL import ImageChops
    extrema = ImageChops.difference(a, b).getextrema()
    extrema = extrema if a.mode not in ("L", "1") else (extrema,)
    return max(high for _, high in extrema)


# --------------------------------------------------------------------------- when the fast paths apply


def test_fast_paths_run_only_on_a_verified_pillow(optimizer, fast):
    import PIL
    assert fast.supports(PIL.__version__)
    assert optimizer.fast_paths_for(PIL.__version__) is fast
    for other in ("11.2.0", "12.2.0", "13.0.1", "13.1.0", "14.0.0"):
        assert not fast.supports(other) and optimizer.fast_paths_for(other) is None
    assert fast.REDUCING_GAP == optimizer.REDUCING_GAP and fast.LANCZOS == optimizer.LANCZOS


def test_pillow_pin_lock_and_verified_versions_agree(fast):
    from packaging.requirements import Requirement
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = [Requirement(m) for m in re.findall(r'"(pillow[^"]*)"', pyproject, flags=re.IGNORECASE)]
    assert pins, "pyproject pins no pillow"
    lock = (ROOT / "lambdas" / "image_optimizer" / "requirements.lock").read_text(encoding="utf-8")
    locked = re.search(r"^pillow==(\S+)", lock, flags=re.MULTILINE)[1]
    assert locked in fast.VERIFIED_PILLOW
    for pin in pins:
        assert pin.specifier.contains(locked)
        # the pin admits exactly the verified versions: pip cannot install one the fast paths skip
        for version in ("11.2.1", "12.2.0", "13.0.0", "13.0.1", "13.1.0", "14.0.0"):
            assert pin.specifier.contains(version) == (version in fast.VERIFIED_PILLOW), (str(pin), version)


@pytest.mark.parametrize("width, fmt", [(320, "webp"), (640, "jpeg"), (1280, "webp"), (1920, "jpeg")])
def test_a_jpeg_rendered_with_fast_paths_matches_the_plain_path(optimizer, imagegen, width, fmt):
    from PIL import Image
    data = imagegen.encoded(imagegen.photo_like(4000, 3000), "JPEG", quality=90)
    settings = optimizer.SETTINGS
    fast_body = optimizer.render(data, width, fmt, 80, settings)
    plain_body = optimizer.render(data, width, fmt, 80, settings, use_fast_paths=False)
    fast_image, plain_image = (Image.open(io.BytesIO(b)).convert("RGB") for b in (fast_body, plain_body))
    assert fast_image.size == plain_image.size == (width, width * 3 // 4)
    assert mean_difference(fast_image, plain_image) < 2.0
    assert abs(len(fast_body) - len(plain_body)) <= 0.03 * len(plain_body)


@pytest.mark.parametrize("width", [320, 1280])
def test_a_png_rendered_with_fast_paths_matches_the_plain_path(optimizer, imagegen, width):
    from PIL import Image
    data = imagegen.encoded(imagegen.alpha_png(1600, 1200), "PNG")
    fast_body = optimizer.render(data, width, "png", 0, optimizer.SETTINGS)
    plain_body = optimizer.render(data, width, "png", 0, optimizer.SETTINGS, use_fast_paths=False)
    if width * width * 3 // 4 < 100_000 or optimizer.THREADS < 2:
        assert fast_body == plain_body  # ISA-L only: the same pixels, the same encoder, the same bytes
    fast_image, plain_image = Image.open(io.BytesIO(fast_body)), Image.open(io.BytesIO(plain_body))
    assert fast_image.mode == plain_image.mode == "RGBA" and fast_image.size == plain_image.size
    assert max_difference(fast_image.getchannel("A"), plain_image.getchannel("A")) <= 1
    assert mean_difference(fast_image.convert("RGB"), plain_image.convert("RGB")) < 1.0


# --------------------------------------------------------------------------- JPEG: 3/8 scale


@pytest.mark.parametrize("progressive", [False, True])
def test_three_eighths_jpeg_decode_matches_the_plain_draft_path(optimizer, fast, imagegen, progressive):
    from PIL import Image
    data = imagegen.encoded(imagegen.photo_like(1600, 1200), "JPEG", quality=90, progressive=progressive)
    fast_original = optimizer.open_original(data, 10**8)
    fast_image = optimizer.prepare(fast_original, 512, "jpeg", fast)
    assert fast.used_three_eighths(fast_original)  # 1600 * 3/8 = 600 >= 512 > 1600 / 4
    plain_image = optimizer.prepare(optimizer.open_original(data, 10**8), 512, "jpeg")
    assert fast_image.size == plain_image.size == (512, 384)
    assert mean_difference(fast_image, plain_image) < 2.0
    rendered = Image.open(io.BytesIO(optimizer.render(data, 640, "webp", 80, optimizer.SETTINGS)))
    assert rendered.size == (640, 480)


def test_three_eighths_declines_where_plain_draft_is_as_small(optimizer, fast, imagegen):
    data = imagegen.encoded(imagegen.photo_like(1600, 1200), "JPEG", quality=90)
    image = optimizer.open_original(data, 10**8)
    assert not fast.draft_jpeg(image, (300, 225))  # 1/4 (400 px) covers 300 px: plain draft() picks it
    assert not fast.used_three_eighths(image) and image.size == (1600, 1200)


# --------------------------------------------------------------------------- banded resize


def test_banded_threaded_resize_matches_a_single_resize(fast, imagegen):
    from PIL import Image
    photo = imagegen.photo_like(1000, 750)
    whole = photo.resize((640, 480), Image.Resampling.LANCZOS, reducing_gap=3.0)
    banded = fast.resize(photo, (640, 480), threads=3)
    assert max_difference(whole, banded) == 0  # band offsets exact here: pixel-identical
    alpha = imagegen.alpha_png(1000, 750)
    whole_a = alpha.resize((640, 480), Image.Resampling.LANCZOS, reducing_gap=3.0)
    banded_a = fast.resize(alpha, (640, 480), threads=2)
    assert banded_a.mode == "RGBA"
    assert max_difference(whole_a.getchannel("A"), banded_a.getchannel("A")) <= 1
    big = imagegen.photo_like(2400, 1800)
    reduced = fast.resize(big, (380, 285), threads=2)  # ratio 6.3: box-reduced by 2 first, then banded
    direct = big.resize((380, 285), Image.Resampling.LANCZOS)
    assert reduced.size == (380, 285)
    assert mean_difference(reduced, direct) < 2.0


def test_banded_resize_declines_for_one_thread_or_small_outputs(fast, imagegen):
    photo = imagegen.photo_like(1000, 750)
    assert fast.resize(photo, (640, 480), threads=1) is None
    assert fast.resize(photo, (320, 240), threads=2) is None


def adam7_png(image):
    """An interlaced (Adam7) RGB PNG of ``image``, written by hand: Pillow cannot save interlaced PNGs."""
    width, height = image.size
    pixels = image.convert("RGB").tobytes()
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            row = [pixels[(y * width + x) * 3:(y * width + x) * 3 + 3] for x in range(x0, width, dx)]
            if row:
                raw += b"\x00" + b"".join(row)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + \
        chunk(b"IEND", b"")


def png_variants(imagegen):
    """name -> PNG bytes covering every colour type, bit depth, transparency chunk, interlace and APNG."""
    base = imagegen.alpha_png(301, 203)
    variants = {mode: imagegen.encoded(base.convert(mode), "PNG") for mode in ("RGBA", "RGB", "L", "LA", "P", "1")}
    variants["I;16"] = imagegen.encoded(base.convert("L").convert("I;16"), "PNG")
    variants["P+tRNS"] = imagegen.encoded(base.convert("RGB").convert("P"), "PNG", transparency=3)
    variants["APNG"] = imagegen.encoded(base, "PNG", save_all=True, duration=100,
                                        append_images=[base.transpose(0)])
    variants["Adam7"] = adam7_png(base)
    variants["big RGBA"] = imagegen.encoded(imagegen.alpha_png(1600, 1200), "PNG")
    return variants


def test_isal_png_inflate_is_pixel_identical_to_pillow_alone(optimizer, fast, imagegen):
    pytest.importorskip("isal")
    from PIL import Image
    for name, data in png_variants(imagegen).items():
        plain = Image.open(io.BytesIO(data))
        plain.load()
        assert name != "Adam7" or plain.info.get("interlace") == 1
        for threads in (1, 2):  # inline, and on a worker thread for originals over PIPELINE_MIN_BYTES
            png = Image.open(io.BytesIO(data))
            assert fast.isal_png_feed(png) is not None, name
            assert fast.load_png(png, threads)
            assert "load_read" not in vars(png), name  # the instance is left as Pillow made it
            assert (png.mode, png.size, png.info.get("interlace")) == \
                (plain.mode, plain.size, plain.info.get("interlace"))
            assert png.tobytes() == plain.tobytes(), (name, threads)
    assert len(png_variants(imagegen)["big RGBA"]) > fast.PIPELINE_MIN_BYTES


def test_the_inflate_worker_is_stopped_when_pillow_has_every_row(optimizer, fast, imagegen):
    pytest.importorskip("isal")
    import threading

    from PIL import Image
    image = imagegen.alpha_png(1600, 1200)
    rows = image.tobytes()  # "RGBA" rows, each behind a filter-type byte (0: none)
    stride = 1600 * 4
    raw = b"".join(b"\x00" + rows[y * stride:(y + 1) * stride] for y in range(1200))
    # the stream carries 600 rows more than the header's height: Pillow stops reading after 1200
    stream = zlib.compress(raw + raw[:600 * (stride + 1)], 1)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 1600, 1200, 8, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")
    png = Image.open(io.BytesIO(data))
    assert fast.load_png(png, 2)
    assert png.tobytes() == rows
    assert not [t for t in threading.enumerate() if t.name == "png-inflate"]


def test_corrupt_or_truncated_png_data_is_refused_with_the_isal_path(optimizer, fast, imagegen):
    pytest.importorskip("isal")
    data = png_variants(imagegen)["big RGBA"]
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x55  # inside the compressed data: the stream's checksum fails
    for broken in (bytes(flipped), data[:len(data) // 2]):
        with pytest.raises(optimizer.ImageRejected) as caught:
            optimizer.render(broken, 320, "webp", 80, optimizer.SETTINGS)
        assert caught.value.status == 415


def test_a_png_stream_that_ends_before_the_last_row_is_refused(optimizer, fast, imagegen):
    pytest.importorskip("isal")
    image = imagegen.alpha_png(400, 300)
    rows = image.tobytes()
    half = b"".join(b"\x00" + rows[y * 1600:(y + 1) * 1600] for y in range(150))  # 150 of 300 rows

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 400, 300, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(half)) + chunk(b"IEND", b"")
    with pytest.raises(optimizer.ImageRejected) as caught:  # Pillow alone would blank the other half
        optimizer.render(data, 320, "webp", 80, optimizer.SETTINGS)
    assert caught.value.status == 415


def test_a_zlib_bomb_inside_a_png_is_not_inflated_past_the_image(optimizer, fast, imagegen):
    """Pillow inflates only the rows it needs; the ISA-L feed inflates ahead, so it must stop at the
    most any image of this size can hold, or 0.6 MB of IDAT would become 300 MB in memory."""
    pytest.importorskip("isal")
    import tracemalloc

    from PIL import Image
    image = imagegen.photo_like(400, 300)
    rows = image.tobytes()
    packer = zlib.compressobj(9)
    body = packer.compress(b"".join(b"\x00" + rows[y * 1200:(y + 1) * 1200] for y in range(300)))
    zeros = bytes(1 << 20)
    body += b"".join(packer.compress(zeros) for _ in range(300)) + packer.flush()  # 300 MB more

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 400, 300, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", body) + chunk(b"IEND", b"")
    assert len(data) < 1_000_000
    for threads in (1, 2):
        png = Image.open(io.BytesIO(data))
        tracemalloc.start()
        try:
            assert fast.load_png(png, threads)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert png.tobytes() == rows
        assert peak < 20 * 2**20, (threads, peak)


def test_png_decodes_without_isal_too(optimizer, fast, imagegen, monkeypatch):
    from PIL import Image
    data = png_variants(imagegen)["Adam7"]
    monkeypatch.setitem(sys.modules, "isal", None)  # as in a bundle packaged without the wheel
    image = Image.open(io.BytesIO(data))
    assert fast.isal_png_feed(image) is None
    assert not fast.load_png(image, 2)
    optimizer.decode(image, fast)
    assert image.size == (301, 203)
    body = optimizer.render(data, 320, "jpeg", 80, optimizer.SETTINGS)
    assert Image.open(io.BytesIO(body)).size == (301, 203)



def draft(fast, image, size):
    """As the handler drafts a JPEG: 3/8 when the fast path takes it, else Pillow's draft()."""
    if not fast.draft_jpeg(image, size):
        image.draft(image.mode, size)


def banded_reference(optimizer, fast, data, size):
    """The same bands resized one by one after a complete decode (what the pipeline must produce)."""
    from PIL import Image
    decoded = optimizer.open_original(data, 10**8)
    draft(fast, decoded, size)
    optimizer.decode(decoded)
    out = Image.new(decoded.mode, size)
    for band in fast.bands(decoded.size, size):
        out.paste(fast.resize_band(decoded, size, band), (0, band[0]))
    return decoded.size, out


@pytest.mark.parametrize("kind, width", [("photo", 640), ("photo", 1280), ("photo", 1920), ("gray", 1280),
                                         ("progressive", 1280), ("flat-sentinel", 1280)])
def test_decoding_and_resizing_in_bands_as_rows_arrive_matches_a_banded_resize(optimizer, fast, imagegen, kind, width):
    from PIL import Image, ImageChops
    photo = imagegen.photo_like(3200, 2400)
    data = {
        "photo": lambda: imagegen.encoded(photo, "JPEG", quality=90),
        "gray": lambda: imagegen.encoded(photo.convert("L"), "JPEG", quality=90),
        "progressive": lambda: imagegen.encoded(photo, "JPEG", quality=85, progressive=True),
        # every row ends in the sentinel grey: no band can start early, the result must not change
        "flat-sentinel": lambda: imagegen.encoded(Image.new("L", (3200, 2400), fast._SENTINEL["L"]), "JPEG"),
    }[kind]()
    probe = optimizer.open_original(data, 10**8)
    size = optimizer.target_size(probe.size, width, False)
    draft(fast, probe, size)
    assert fast.pipelinable(probe, size, 2)
    decoded_size, expected = banded_reference(optimizer, fast, data, size)
    for _ in range(3):  # bands start while the decoder runs: the result may not depend on the timing
        image = optimizer.open_original(data, 10**8)
        draft(fast, image, size)
        resized = fast.decode_resizing(image, size, 2)
        assert resized.size == size and resized.mode == expected.mode
        assert ImageChops.difference(resized, expected).getbbox() is None
    whole = optimizer.open_original(data, 10**8)
    draft(fast, whole, size)
    optimizer.decode(whole)
    single = whole.resize(size, Image.Resampling.LANCZOS)
    extrema = ImageChops.difference(resized, single).getextrema()
    extrema = extrema if single.mode != "L" else (extrema,)
    assert all(high <= 2 for _, high in extrema)  # band offsets round differently: 2 levels at most


