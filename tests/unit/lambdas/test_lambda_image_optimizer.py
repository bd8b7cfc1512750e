"""image_optimizer against S3 in moto, with real images generated in the test and decoded again."""

import base64
import io
import struct
import sys
import zlib

import pytest

from edge_events import assert_valid_response, event, value

ORIGINALS, OPTIMIZED = "candlefish-images", "candlefish-optimized-images"


@pytest.fixture()
def optimizer(edge):
    return edge["image_optimizer"]


@pytest.fixture(scope="module")
def s3_module(edge, originals):
    """One in-process moto S3 for the module: both buckets, the originals uploaded once."""
    import boto3
    from moto import mock_aws
    optimizer = edge["image_optimizer"]
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=ORIGINALS)
        client.create_bucket(Bucket=OPTIMIZED)
        for key, data in originals.items():
            client.put_object(Bucket=ORIGINALS, Key=key, Body=data)
        optimizer.set_s3_client_factory(lambda region: boto3.client("s3", region_name=region))
        yield client
        optimizer.set_s3_client_factory(None)


@pytest.fixture()
def stored(s3_module):
    """The module's S3 with an empty optimized-images bucket."""
    for obj in s3_module.list_objects_v2(Bucket=OPTIMIZED).get("Contents", []):
        s3_module.delete_object(Bucket=OPTIMIZED, Key=obj["Key"])
    return s3_module


@pytest.fixture(scope="module")
def originals(imagegen):
    """name -> bytes of the generated originals."""
    from PIL import Image
    portrait = imagegen.photo_like(300, 200, seed=3)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display: a 300x200 file shows as 200x300
    return {
        "team/photo.jpg": imagegen.encoded(imagegen.photo_like(1200, 900), "JPEG", quality=90),
        "logo.png": imagegen.encoded(imagegen.alpha_png(800, 600), "PNG"),
        "anim.gif": imagegen.animated_gif(400, 200),
        "empty.jpg": b"",
        "corrupt.jpg": b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50,
        "truncated.jpg": imagegen.encoded(imagegen.photo_like(400, 300), "JPEG")[:600],
        "doc.bmp.jpg": imagegen.encoded(imagegen.photo_like(40, 30), "BMP"),
        "bomb.png": png_bomb(60000, 60000),
        "rotated.jpg": imagegen.encoded(portrait, "JPEG", exif=exif.tobytes()),
        "small.jpg": imagegen.encoded(imagegen.photo_like(200, 150), "JPEG"),
    }


def png_bomb(width, height):
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * (width + 1) * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def miss(uri, status="403", viewer_uri=None):
    data = event("image_origin_response", uri=uri, status=status)
    if viewer_uri is not None:
        data["Records"][0]["cf"]["request"]["headers"]["x-cf-viewer-uri"][0]["value"] = viewer_uri
    return data


def decode(result):
    from PIL import Image
    body = base64.b64decode(result["body"])
    image = Image.open(io.BytesIO(body))
    image.load()
    return image, body


@pytest.mark.parametrize("uri, fmt, size, mode", [
    ("/processed/team/photo.jpg.w640q80.webp", "WEBP", (640, 480), "RGB"),
    ("/processed/team/photo.jpg.w320q80.jpeg", "JPEG", (320, 240), "RGB"),
    ("/processed/team/photo.jpg.w320q50.avif", "AVIF", (320, 240), "RGB"),
    ("/processed/logo.png.w320q80.webp", "WEBP", (320, 240), "RGBA"),
    ("/processed/logo.png.w320q50.avif", "AVIF", (320, 240), "RGBA"),
    ("/processed/logo.png.w640q0.png", "PNG", (640, 480), "RGBA"),
])
def test_missing_variant_is_generated_stored_and_returned(optimizer, stored, uri, fmt, size, mode):
    result = optimizer.handler(miss(uri), None)
    assert_valid_response(result)
    assert result["status"] == "200" and result["bodyEncoding"] == "base64"
    image, body = decode(result)
    assert (image.format, image.size, image.mode) == (fmt, size, mode)
    assert value(result["headers"], "content-type") == f"image/{fmt.lower()}"
    assert value(result["headers"], "vary") == "Accept"
    assert value(result["headers"], "cache-control") == "public, max-age=31536000, immutable"
    obj = stored.get_object(Bucket=OPTIMIZED, Key=uri[1:])
    assert obj["Body"].read() == body
    assert obj["ContentType"] == f"image/{fmt.lower()}"
    assert obj["CacheControl"] == "public, max-age=31536000, immutable"


def test_alpha_is_flattened_on_white_for_jpeg(optimizer, stored):
    image, _ = decode(optimizer.handler(miss("/processed/logo.png.w320q80.jpeg"), None))
    assert image.mode == "RGB"
    assert min(image.getpixel((0, 0))) > 235  # transparent corner -> white, not black


def test_animated_gif_uses_the_first_frame(optimizer, stored):
    image, _ = decode(optimizer.handler(miss("/processed/anim.gif.w320q80.webp"), None))
    red, green, blue = image.convert("RGB").getpixel((10, 10))
    assert red > 180 and green < 80 and blue < 80
    assert image.size == (320, 160) and not getattr(image, "is_animated", False)


def test_small_originals_are_never_upscaled(optimizer, stored):
    image, _ = decode(optimizer.handler(miss("/processed/small.jpg.w1920q80.jpeg"), None))
    assert image.size == (200, 150)


def test_exif_orientation_is_applied(optimizer, stored):
    image, _ = decode(optimizer.handler(miss("/processed/rotated.jpg.w1920q80.jpeg"), None))
    assert image.size == (200, 300)


def test_output_sizes_respect_quality(optimizer, stored):
    low = optimizer.handler(miss("/processed/team/photo.jpg.w640q40.webp"), None)
    high = optimizer.handler(miss("/processed/team/photo.jpg.w640q90.webp"), None)
    assert len(decode(low)[1]) < len(decode(high)[1])


@pytest.mark.parametrize("uri", [
    "/processed/team/photo.jpg.w500q80.webp",        # width not in the allowed list
    "/processed/team/photo.jpg.w99999q80.webp",
    "/processed/team/photo.jpg.w640q83.webp",        # quality off the grid
    "/processed/team/photo.jpg.w640q95.webp",        # above the maximum
    "/processed/team/photo.jpg.w640q0.webp",         # q0 is PNG only
    "/processed/logo.png.w640q80.png",
    "/processed/team/photo.jpg.w640q80.gif",         # unknown output format
    "/processed/../team/photo.jpg.w640q80.webp",
    "/processed/team/../../etc/passwd.w640q80.webp",
    "/processed/%2e%2e/etc/passwd.w640q80.webp",
    "/processed//etc/passwd.w640q80.webp",
    "/other/team/photo.jpg.w640q80.webp",
    "/processed/bad%ff.jpg.w640q80.webp",
    "/processed/x%0a.jpg.w640q80.webp",
    "/images/team/photo.jpg",
])
def test_invalid_variant_keys_are_404_and_nothing_is_written(optimizer, stored, uri):
    result = optimizer.handler(miss(uri, status="404"), None)
    assert_valid_response(result)
    assert result["status"] == "404"
    assert value(result["headers"], "cache-control") == "public, max-age=60"
    assert stored.list_objects_v2(Bucket=OPTIMIZED).get("KeyCount", 0) == 0


@pytest.mark.parametrize("name, status", [
    ("missing.jpg", "404"), ("empty.jpg", "415"), ("corrupt.jpg", "415"), ("truncated.jpg", "415"),
    ("doc.bmp.jpg", "415"), ("bomb.png", "415"),
])
def test_unusable_originals_give_a_short_cached_error(optimizer, stored, name, status):
    result = optimizer.handler(miss(f"/processed/{name}.w640q80.webp"), None)
    assert_valid_response(result)
    assert result["status"] == status
    assert value(result["headers"], "cache-control") == "public, max-age=60"
    assert stored.list_objects_v2(Bucket=OPTIMIZED).get("KeyCount", 0) == 0


def test_originals_over_the_byte_cap_are_refused_before_reading(optimizer, stored, config):
    config["images"]["max_original_bytes"] = 1000
    result = optimizer.handle(miss("/processed/team/photo.jpg.w640q80.webp"), optimizer.Settings(config))
    assert result["status"] == "415"


def test_pixel_limit_is_enforced_below_pillows_default(optimizer, stored, config):
    config["images"]["max_pixels"] = 1200 * 900 - 1
    result = optimizer.handle(miss("/processed/team/photo.jpg.w640q80.webp"), optimizer.Settings(config))
    assert result["status"] == "415"


def test_results_over_the_inline_cap_are_stored_and_redirected(optimizer, stored, config):
    config["images"]["max_inline_base64_bytes"] = 2000
    uri = "/processed/team/photo.jpg.w640q80.webp"
    result = optimizer.handle(miss(uri, viewer_uri="/images/team/photo.jpg?w=640&q=80"), optimizer.Settings(config))
    assert_valid_response(result)
    assert result["status"] == "302" and "body" in result and result["body"] == ""
    assert value(result["headers"], "location") == "/images/team/photo.jpg?w=640&q=80"
    assert value(result["headers"], "cache-control") == "no-store"
    assert stored.head_object(Bucket=OPTIMIZED, Key=uri[1:])["ContentLength"] > 2000


@pytest.mark.parametrize("viewer_uri", ["https://evil.example/x", "//evil.example/x", "/images/a\r\nb", ""])
def test_redirect_never_goes_off_site(optimizer, stored, config, viewer_uri):
    config["images"]["max_inline_base64_bytes"] = 2000
    result = optimizer.handle(miss("/processed/team/photo.jpg.w640q80.webp", viewer_uri=viewer_uri),
                              optimizer.Settings(config))
    assert_valid_response(result)
    assert result["status"] == "503"


def test_a_stored_variant_passes_through_with_cache_headers(optimizer):
    data = miss("/processed/team/photo.jpg.w640q80.webp", status="200")
    data["Records"][0]["cf"]["response"]["headers"]["content-type"][0]["value"] = "image/webp"
    result = optimizer.handler(data, None)
    assert result["status"] == "200" and "body" not in result
    assert value(result["headers"], "vary") == "Accept"
    assert value(result["headers"], "cache-control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("name, alpha_mode", [("team/photo.jpg", "RGB"), ("logo.png", "RGBA")])
def test_render_all_matches_per_request_outputs(optimizer, originals, name, alpha_mode):
    from PIL import Image
    data = originals[name]
    qualities = {"jpeg": 80, "webp": 80, "avif": 50}
    outputs = optimizer.render_all(data, [320, 640, 1280], ["webp", "avif", "jpeg"], qualities, optimizer.SETTINGS)
    assert set(outputs) == {(w, f) for w in (320, 640, 1280) for f in ("webp", "avif", "jpeg")}
    for (width, fmt), body in outputs.items():
        image = Image.open(io.BytesIO(body))
        assert image.format == fmt.upper() and image.width == min(width, Image.open(io.BytesIO(data)).width)
        assert image.mode == ("RGB" if fmt == "jpeg" else alpha_mode)
        single = optimizer.render(data, width, fmt, qualities[fmt], optimizer.SETTINGS)
        # same settings -> same size within 3 % (concurrent encodes must not share options)
        assert abs(len(body) - len(single)) <= 0.03 * len(single), (width, fmt, len(body), len(single))


def test_s3_client_is_created_lazily_once_per_region(optimizer):
    made = []
    optimizer.set_s3_client_factory(lambda region: made.append(region) or object())
    try:
        assert optimizer.s3_client("us-east-1") is optimizer.s3_client("us-east-1")
        optimizer.s3_client("eu-west-1")
        assert made == ["us-east-1", "eu-west-1"]
    finally:
        optimizer.set_s3_client_factory(None)


@pytest.mark.parametrize("progressive", [False, True])
def test_three_eighths_jpeg_decode_matches_the_plain_draft_path(optimizer, imagegen, progressive):
    from PIL import Image, ImageChops, ImageStat
    data = imagegen.encoded(imagegen.photo_like(1600, 1200), "JPEG", quality=90, progressive=progressive)
    fast = optimizer.open_original(data, 10**8)
    fast_image = optimizer.prepare(fast, 512, "jpeg")
    assert fast.decoderconfig == (3, 0)  # 1600 * 3/8 = 600 >= 512 > 1600 / 4
    plain_image = optimizer.prepare(optimizer.open_original(data, 10**8), 512, "jpeg", fast_draft=False)
    assert fast_image.size == plain_image.size == (512, 384)
    mean_diff = ImageStat.Stat(ImageChops.difference(fast_image, plain_image)).mean
    assert max(mean_diff) < 2.0, mean_diff
    rendered = Image.open(io.BytesIO(optimizer.render(data, 640, "webp", 80, optimizer.SETTINGS)))
    assert rendered.size == (640, 480)


def test_banded_threaded_resize_matches_a_single_resize(optimizer, imagegen):
    from PIL import Image, ImageChops, ImageStat
    photo = imagegen.photo_like(1000, 750)
    whole = photo.resize((640, 480), Image.Resampling.LANCZOS, reducing_gap=3.0)
    banded = optimizer.resize(photo, (640, 480), threads=3)
    assert ImageChops.difference(whole, banded).getbbox() is None  # pixel-identical
    alpha = imagegen.alpha_png(1000, 750)
    whole_a = alpha.resize((640, 480), Image.Resampling.LANCZOS, reducing_gap=3.0)
    banded_a = optimizer.resize(alpha, (640, 480), threads=2)
    assert banded_a.mode == "RGBA"
    assert ImageChops.difference(whole_a.getchannel("A"), banded_a.getchannel("A")).getextrema()[1] <= 1
    big = imagegen.photo_like(2400, 1800)
    reduced = optimizer.resize(big, (380, 285), threads=2)  # ratio 6.3: box-reduced by 2 first, then banded
    direct = big.resize((380, 285), Image.Resampling.LANCZOS)
    assert reduced.size == (380, 285)
    assert max(ImageStat.Stat(ImageChops.difference(reduced, direct)).mean) < 2.0


@pytest.mark.parametrize("mode, container", [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("I;16", "PNG"),
                                             ("RGBA", "WEBP"), ("CMYK", "JPEG"), ("L", "JPEG")])
@pytest.mark.parametrize("fmt", ["jpeg", "webp", "png"])
def test_every_pixel_mode_renders(optimizer, mode, container, fmt):
    from PIL import Image
    original = Image.radial_gradient("L").resize((400, 300)).convert(mode) if mode != "LA" else \
        Image.merge("LA", [Image.radial_gradient("L").resize((400, 300))] * 2)
    out = io.BytesIO()
    original.save(out, container)
    body = optimizer.render(out.getvalue(), 320, fmt, 0 if fmt == "png" else 80, optimizer.SETTINGS)
    image = Image.open(io.BytesIO(body))
    assert image.format == fmt.upper() and image.size == (320, 240)
    assert image.mode in (("RGB", "L") if fmt == "jpeg" else ("RGB", "RGBA"))


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


def test_isal_png_inflate_is_pixel_identical_to_pillow_alone(optimizer, imagegen):
    pytest.importorskip("isal")
    from PIL import Image
    for name, data in png_variants(imagegen).items():
        plain = Image.open(io.BytesIO(data))
        plain.load()
        assert name != "Adam7" or plain.info.get("interlace") == 1
        for threads in (1, 2):  # inline, and on a worker thread for originals over PIPELINE_MIN_BYTES
            fast = Image.open(io.BytesIO(data))
            assert optimizer._isal_png_feed(fast) is not None, name
            optimizer.load_pixels(fast, threads=threads)
            assert "load_read" not in vars(fast), name  # the instance is left as Pillow made it
            assert (fast.mode, fast.size, fast.info.get("interlace")) == \
                (plain.mode, plain.size, plain.info.get("interlace"))
            assert fast.tobytes() == plain.tobytes(), (name, threads)
    assert len(png_variants(imagegen)["big RGBA"]) > optimizer.PIPELINE_MIN_BYTES


def test_the_inflate_worker_is_stopped_when_pillow_has_every_row(optimizer, imagegen):
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
    fast = Image.open(io.BytesIO(data))
    optimizer.load_pixels(fast, threads=2)
    assert fast.tobytes() == rows
    assert not [t for t in threading.enumerate() if t.name == "png-inflate"]


def test_corrupt_or_truncated_png_data_is_refused_with_the_isal_path(optimizer, imagegen):
    pytest.importorskip("isal")
    data = png_variants(imagegen)["big RGBA"]
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x55  # inside the compressed data: the stream's checksum fails
    for broken in (bytes(flipped), data[:len(data) // 2]):
        with pytest.raises(optimizer.ImageRejected) as caught:
            optimizer.render(broken, 320, "webp", 80, optimizer.SETTINGS)
        assert caught.value.status == 415


def test_a_png_stream_that_ends_before_the_last_row_is_refused(optimizer, imagegen):
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


def test_a_zlib_bomb_inside_a_png_is_not_inflated_past_the_image(optimizer, imagegen):
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
            optimizer.load_pixels(png, threads=threads)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert png.tobytes() == rows
        assert peak < 20 * 2**20, (threads, peak)


def test_png_decodes_without_isal_too(optimizer, imagegen, monkeypatch):
    from PIL import Image
    data = png_variants(imagegen)["Adam7"]
    monkeypatch.setitem(sys.modules, "isal", None)  # as in a bundle packaged without the wheel
    image = Image.open(io.BytesIO(data))
    assert optimizer._isal_png_feed(image) is None
    optimizer.load_pixels(image)
    assert image.size == (301, 203)
    body = optimizer.render(data, 320, "jpeg", 80, optimizer.SETTINGS)
    assert Image.open(io.BytesIO(body)).size == (301, 203)


def test_alpha_flattened_for_jpeg_after_the_resize_matches_flattening_first(optimizer, imagegen):
    from PIL import Image, ImageChops, ImageStat
    alpha = imagegen.alpha_png(1600, 1200)
    data = imagegen.encoded(alpha, "PNG")
    rendered = optimizer.prepare(optimizer.open_original(data, 10**8), 640, "jpeg")
    white = Image.new("RGB", alpha.size, (255, 255, 255))
    white.paste(alpha, mask=alpha.getchannel("A"))
    expected = white.resize((640, 480), Image.Resampling.LANCZOS, reducing_gap=optimizer.REDUCING_GAP)
    assert rendered.mode == "RGB" and rendered.size == (640, 480)
    assert max(ImageStat.Stat(ImageChops.difference(rendered, expected)).mean) < 1.0
    corners = [rendered.getpixel(xy) for xy in ((0, 0), (639, 0), (0, 479), (639, 479))]
    assert all(min(pixel) >= 250 for pixel in corners)  # transparent corners became white


@pytest.mark.parametrize("orientation", [3, 6, 8])
@pytest.mark.parametrize("width", [320, 1280])  # both sizes take the banded, threaded resize
def test_exif_orientation_survives_the_banded_resize(optimizer, imagegen, orientation, width):
    from PIL import Image, ImageChops, ImageOps, ImageStat
    photo = imagegen.photo_like(2400, 1600)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = imagegen.encoded(photo, "JPEG", quality=90, exif=exif.tobytes())
    rendered = Image.open(io.BytesIO(optimizer.render(data, width, "png", 0, optimizer.SETTINGS))).convert("RGB")
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    expected = upright.resize((width, round(upright.height * width / upright.width)), Image.Resampling.LANCZOS)
    assert rendered.size == expected.size

    def mean_difference(a, b):
        return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)
    assert mean_difference(rendered, expected) < 3.0
    if orientation == 3:  # the test can tell: the same pixels not turned are far off
        assert mean_difference(rendered.transpose(Image.Transpose.ROTATE_180), expected) > 10.0


def banded_reference(optimizer, data, size):
    """The same bands resized one by one after a complete decode (what the pipeline must produce)."""
    from PIL import Image
    decoded = optimizer.open_original(data, 10**8)
    optimizer.jpeg_draft(decoded, size)
    optimizer._decode(decoded)
    out = Image.new(decoded.mode, size)
    for band in optimizer._bands(decoded.size, size):
        out.paste(optimizer._resize_band(decoded, size, band), (0, band[0]))
    return decoded.size, out


@pytest.mark.parametrize("kind, width", [("photo", 640), ("photo", 1280), ("photo", 1920), ("gray", 1280),
                                         ("progressive", 1280), ("flat-sentinel", 1280)])
def test_decoding_and_resizing_in_bands_as_rows_arrive_matches_a_banded_resize(optimizer, imagegen, kind, width):
    from PIL import Image, ImageChops
    photo = imagegen.photo_like(3200, 2400)
    data = {
        "photo": lambda: imagegen.encoded(photo, "JPEG", quality=90),
        "gray": lambda: imagegen.encoded(photo.convert("L"), "JPEG", quality=90),
        "progressive": lambda: imagegen.encoded(photo, "JPEG", quality=85, progressive=True),
        # every row ends in the sentinel grey: no band can start early, the result must not change
        "flat-sentinel": lambda: imagegen.encoded(Image.new("L", (3200, 2400), optimizer._SENTINEL["L"]), "JPEG"),
    }[kind]()
    probe = optimizer.open_original(data, 10**8)
    size = optimizer.target_size(probe.size, width, False)
    optimizer.jpeg_draft(probe, size)
    assert optimizer._pipelinable(probe, size, 2)
    decoded_size, expected = banded_reference(optimizer, data, size)
    for _ in range(3):  # bands start while the decoder runs: the result may not depend on the timing
        image = optimizer.open_original(data, 10**8)
        optimizer.jpeg_draft(image, size)
        resized = optimizer.decode_resizing(image, size, threads=2)
        assert resized.size == size and resized.mode == expected.mode
        assert ImageChops.difference(resized, expected).getbbox() is None
    whole = optimizer.open_original(data, 10**8)
    optimizer.jpeg_draft(whole, size)
    optimizer._decode(whole)
    single = whole.resize(size, Image.Resampling.LANCZOS)
    extrema = ImageChops.difference(resized, single).getextrema()
    extrema = extrema if single.mode != "L" else (extrema,)
    assert all(high <= 2 for _, high in extrema)  # band offsets round differently: 2 levels at most


def test_a_truncated_jpeg_is_refused_while_bands_are_resizing(optimizer, imagegen):
    data = imagegen.encoded(imagegen.photo_like(3200, 2400), "JPEG", quality=90)
    with pytest.raises(optimizer.ImageRejected) as caught:
        optimizer.render(data[:len(data) * 3 // 4], 1280, "webp", 80, optimizer.SETTINGS)
    assert caught.value.status == 415
