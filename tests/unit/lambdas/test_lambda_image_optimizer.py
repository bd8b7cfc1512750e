"""image_optimizer against S3 in moto, with real images generated in the test and decoded again."""

import base64
import io
import struct
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


def test_a_truncated_jpeg_is_refused_while_bands_are_resizing(optimizer, imagegen):
    data = imagegen.encoded(imagegen.photo_like(3200, 2400), "JPEG", quality=90)
    with pytest.raises(optimizer.ImageRejected) as caught:
        optimizer.render(data[:len(data) * 3 // 4], 1280, "webp", 80, optimizer.SETTINGS)
    assert caught.value.status == 415
