"""Image optimiser: origin-response function for the ``/images/*`` behaviour (Pillow + boto3).

origin_request rewrote ``/images/<name>?w=..&q=..`` to the variant key
``/processed/<name>.w<width>q<quality>.<avif|webp|jpeg|png>`` in the optimized-images bucket. When that
object exists, S3 answered 200 and this function only fixes ``Cache-Control`` / ``Vary: Accept``.
When it is missing (S3 answers 403 without ListBucket, 404 with it) the function:

1. validates the key again (width from the allowed list, quality on the configured grid, known format)
   so nobody can mint unbounded cache keys or objects;
2. fetches ``<name>`` from the originals bucket (missing -> 404, over the byte cap -> 415);
3. decodes with a deliberate pixel limit (decompression bombs, zero-byte, corrupt or unsupported
   originals -> 415), takes the first frame of animations, applies EXIF orientation;
4. resizes (never upscales) using JPEG DCT-domain scaling on decode and ``reducing_gap``;
5. encodes AVIF / WebP / JPEG / PNG within the quality bounds;
6. stores the variant under ``processed/`` in the optimized-images bucket and returns it inline
   (base64) when it fits Lambda@Edge's 1 MB generated-response cap, otherwise answers with a 302 to
   the viewer URL (the next request is served by CloudFront from the stored object) - never a
   truncated body.

Steps 3-4 are plain Pillow. ``fast_paths.py`` (bundled next to this file) holds measured speed paths
on Pillow internals; they are used only on the Pillow versions they were verified on
(``fast_paths.VERIFIED_PILLOW``), and each falls back to the plain step when it does not apply.

Configuration comes from the bundled ``edge_config.json`` (``images`` block). The S3 client is
created lazily per region; tests inject their own with ``set_s3_client_factory``.
"""

import base64
import contextlib
import io
import os
import re
import sys
import warnings
from urllib.parse import unquote

try:
    import edge_common as ec
except ImportError:  # repository layout: lambdas/_shared/ holds the shared module
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_shared"))
    import edge_common as ec

_CONTENT_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
_DECODERS = ("JPEG", "PNG", "GIF", "WEBP")
# Box-reduce by the integer part of the ratio while at least this much Lanczos work remains: 2.0 is
# libvips' default ``gap`` for vips_resize, i.e. what sharp does; CASCADE_GAP guards render_all's
# reuse of a larger result (closer steps stack Lanczos sharpening).
REDUCING_GAP = 2.0
CASCADE_GAP = 3.0
LANCZOS = 1  # PIL.Image.Resampling.LANCZOS, without importing Pillow at module import
_VARIANT = re.compile(r"^/(?P<prefix>[^/]+)/(?P<name>[^\x00-\x1f]+)\.w(?P<width>[0-9]{1,5})"
                      r"q(?P<quality>[0-9]{1,3})\.(?P<fmt>avif|webp|jpeg|png)$")


class ImageRejected(Exception):
    """The original cannot be turned into a variant (status carries the HTTP answer)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class Settings:
    """Everything the optimiser needs, compiled once from the config dict."""

    def __init__(self, config):
        images = config["images"]
        self.originals_bucket = images["originals_bucket"]
        self.originals_region = images["originals_region"]
        self.optimized_bucket = images["optimized_bucket"]
        self.optimized_region = images["optimized_region"]
        self.processed_prefix = images["processed_prefix"].strip("/") + "/"
        self.widths = tuple(sorted(int(w) for w in images["widths"]))
        quality = images["quality"]
        q_min, q_max, step = int(quality["min"]), int(quality["max"]), int(quality["step"])
        self.qualities = frozenset(range(q_min, q_max + 1, step))
        self.avif_speed = int(images["avif_speed"])
        self.webp_method = int(images["webp_method"])
        self.threads = int(images.get("threads", 1))
        self.max_pixels = int(images["max_pixels"])
        self.max_original_bytes = int(images["max_original_bytes"])
        self.max_inline_base64 = int(images["max_inline_base64_bytes"])
        self.cache_control = images["cache_control"]
        self.error_cache_control = images["error_cache_control"]
        self.security = ec.build_security_headers(config)


# --------------------------------------------------------------------------- S3 access


def _default_s3_factory(region):
    import boto3  # available in the Lambda runtime; imported only when a variant is missing
    from botocore.config import Config
    return boto3.client("s3", region_name=region,
                        config=Config(retries={"mode": "standard", "max_attempts": 3},
                                      connect_timeout=2, read_timeout=10))


_s3_factory = _default_s3_factory
_s3_clients = {}


def set_s3_client_factory(factory):
    """Replace how S3 clients are made (``factory(region) -> client``); clears cached clients."""
    global _s3_factory
    _s3_factory = factory or _default_s3_factory
    _s3_clients.clear()


def s3_client(region):
    """The S3 client for ``region``, created on first use and reused across invocations."""
    client = _s3_clients.get(region)
    if client is None:
        client = _s3_clients[region] = _s3_factory(region)
    return client


def fetch_original(key, settings):
    """Bytes of the original, or ImageRejected (404 missing, 415 too large or empty)."""
    from botocore.exceptions import ClientError
    try:
        obj = s3_client(settings.originals_region).get_object(Bucket=settings.originals_bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound", "AccessDenied", "403"):
            raise ImageRejected(404, f"original {key!r} not found") from None
        raise
    size = int(obj.get("ContentLength") or 0)
    if size > settings.max_original_bytes:
        obj["Body"].close()
        raise ImageRejected(415, f"original is {size} bytes, over the {settings.max_original_bytes} cap")
    data = obj["Body"].read(settings.max_original_bytes + 1)
    if not data:
        raise ImageRejected(415, "original is empty")
    if len(data) > settings.max_original_bytes:
        raise ImageRejected(415, "original is over the byte cap")
    return data


def store_variant(key, body, fmt, settings):
    """Write the variant to the optimized-images bucket; False (logged) when the write fails."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        s3_client(settings.optimized_region).put_object(
            Bucket=settings.optimized_bucket, Key=key, Body=body,
            ContentType=_CONTENT_TYPES[fmt], CacheControl=settings.cache_control)
        return True
    except (BotoCoreError, ClientError) as exc:
        print(f'{{"fn": "image_optimizer", "event": "store-failed", "error": "{type(exc).__name__}"}}')
        return False


# --------------------------------------------------------------------------- pixels


def _pillow(max_pixels):
    from PIL import Image
    # Deliberate limit: Pillow warns above MAX_IMAGE_PIXELS (turned into an error in open_original)
    # and raises above twice that, both before any pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    return Image


def open_original(data, max_pixels):
    """A lazily-decoded Pillow image after format and pixel-count checks (ImageRejected 415)."""
    Image = _pillow(max_pixels)
    if not data:
        raise ImageRejected(415, "original is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError, Image.UnidentifiedImageError,
            OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected(415, f"unsupported or corrupt image ({type(exc).__name__})") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageRejected(415, f"{width}x{height} exceeds the pixel limit")
    return image


def _orientation(image):
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # corrupt EXIF is not worth refusing the image for
        return 1


def target_size(size, width, swapped):
    """Output size for ``width`` (never upscaled), in the decoded (pre-rotation) orientation."""
    src_w, src_h = (size[1], size[0]) if swapped else size
    out_w = min(width, src_w)
    out_h = max(1, round(src_h * out_w / src_w))
    return (out_h, out_w) if swapped else (out_w, out_h)


def prepare(image, width, fmt, fast=None):
    """Decode, flatten to the output mode, resize and orient; returns a loaded image.

    ``fast`` is the fast-path module (``fast_paths()``) or None for the plain-Pillow path; each fast
    path either does its step or declines, and then the plain step runs.
    """
    scalable = image.format == "JPEG" and image.mode in ("RGB", "L")
    if not scalable:
        # decode first: Pillow's PNG getexif() loads the whole image (eXIf may follow the pixel data)
        decode(image, fast)
    orientation = _orientation(image)
    size = target_size(image.size, width, orientation in (5, 6, 7, 8))
    if scalable:
        image = decode_jpeg(image, size, fast)
    # Alpha is flattened for JPEG after resizing: compositing over white is linear in premultiplied
    # space, so the result is the same as flattening first, at the cost of the output's pixels only.
    flatten = fmt == "jpeg" and _has_alpha(image)
    image = _to_output_mode(image, "webp" if flatten else fmt)
    if image.size != size:
        image = resize(image, size, fast)
    if flatten:
        image = _flatten_on_white(image)
    if orientation in _TRANSPOSE:
        # from the orientation read before decoding: resized images no longer carry the EXIF block
        image = image.transpose(_TRANSPOSE[orientation])
    return image


# EXIF orientation -> PIL.Image.Transpose value that shows the image upright (as ImageOps.exif_transpose)
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}


def decode_jpeg(image, size, fast=None):
    """Decode a JPEG with libjpeg's DCT scaling (``draft``: the smallest scale still covering ``size``).

    With fast paths the scale may be 3/8 and the resize may run while the rows are decoded (then the
    returned image already has ``size``).
    """
    if not (fast and fast.draft_jpeg(image, size)):
        image.draft(image.mode, size)
    if fast:
        with _corrupt_data_refused():
            resized = fast.decode_resizing(image, size, THREADS)
        if resized is not None:
            return resized
    decode(image, fast)
    return image


def decode(image, fast=None):
    """Decode the first frame (PNG data inflated by ISA-L on the fast path), or ImageRejected 415."""
    with _corrupt_data_refused():
        image.seek(0)
        if not (fast and fast.load_png(image, THREADS)):
            image.load()


@contextlib.contextmanager
def _corrupt_data_refused():
    """Turns Pillow's decoding errors into ImageRejected 415."""
    try:
        yield
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected(415, f"corrupt image data ({type(exc).__name__})") from None


def resize(image, size, fast=None):
    """Lanczos-3 resize; integer ratios are first box-reduced (``reducing_gap``), as sharp does.

    With fast paths and more than one thread, large outputs are resized in bands on a thread pool.
    """
    banded = fast.resize(image, size, THREADS) if fast else None
    return banded if banded is not None else image.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)


THREADS = 1  # set from images.threads (capped at the CPU count) when the module loads
_FAST = []


def fast_paths():
    """The fast-path module when it is bundled and verified on the installed Pillow, else None."""
    if not _FAST:
        from PIL import __version__
        _FAST.append(fast_paths_for(__version__))
    return _FAST[0]


def fast_paths_for(pillow_version):
    """``fast_paths`` (next to this file in the bundle) if it supports ``pillow_version``, else None."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:  # repository layout; in the bundle both files are in /var/task
        sys.path.append(here)
    try:
        import fast_paths as module
    except ImportError:  # a bundle without it: the plain path
        return None
    return module if module.supports(pillow_version) else None


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _to_output_mode(image, fmt):
    has_alpha = _has_alpha(image)
    if fmt == "jpeg":
        if has_alpha:
            return _flatten_on_white(image)
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode == "RGB" else image.convert("RGB")


def _flatten_on_white(image):
    """RGB ``image`` composited over white (JPEG has no alpha)."""
    from PIL import Image
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def encode(image, fmt, quality, settings):
    """Encoded bytes of ``image`` as ``fmt`` at ``quality`` (ignored for PNG)."""
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=quality, optimize=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=settings.webp_method)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=quality, speed=settings.avif_speed)
    else:
        image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def render(data, width, fmt, quality, settings, use_fast_paths=True):
    """One variant: original bytes -> encoded bytes (ImageRejected for bad originals)."""
    fast = fast_paths() if use_fast_paths else None
    image = open_original(data, settings.max_pixels)
    try:
        prepared = prepare(image, width, fmt, fast)
    except ImageRejected:
        if not (fast and fast.used_three_eighths(image)):
            raise
        # the 3/8 decode failed: give the plain draft() path its chance before refusing
        prepared = prepare(open_original(data, settings.max_pixels), width, fmt)
    return encode(prepared, fmt, quality, settings)


def render_all(data, widths, formats, qualities, settings, workers=4):
    """Every width x format from one decode (pre-generation, benchmarks). Returns ``{(width, fmt): bytes}``.

    Opaque originals are decoded and resized once for all formats; originals with alpha once for
    JPEG (flattened) and once for the formats that keep alpha. Smaller widths of opaque images are
    resized from an earlier, larger result when it is at least ``CASCADE_GAP`` times wider (cheaper,
    and within 0.1 % in output size of resizing the decoded original; closer steps stack Lanczos
    sharpening and inflate the files). Encodes are queued on a thread pool as soon as their frame
    exists - Pillow releases the GIL while encoding - so resizing and encoding overlap on every core.
    ``qualities`` maps format -> quality; ``workers`` defaults to 4 like libuv's pool, which runs
    sharp's pipelines.
    """
    from concurrent.futures import ThreadPoolExecutor
    widths = sorted(set(widths), reverse=True)
    groups = {}
    alpha = _has_alpha(open_original(data, settings.max_pixels))
    for fmt in formats:
        groups.setdefault(_group(fmt) if alpha else "webp", []).append(fmt)
    jobs = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for group, group_formats in groups.items():
            base = prepare(open_original(data, settings.max_pixels), widths[0], group, fast_paths())
            for width, frame in _cascade(base, widths):
                # Image.save() keeps its options on the image object (encoderinfo): concurrent saves
                # of one image must each get their own copy or they read each other's quality/speed.
                jobs += [((width, fmt), pool.submit(encode, frame.copy(), fmt, qualities.get(fmt, 0), settings))
                         for fmt in group_formats]
        return {key: future.result() for key, future in jobs}


def _cascade(base, widths):
    """``(width, frame)`` from the widest down; alpha frames always come from the base (cascading
    changed their WebP size by 12 %)."""
    done = [base]
    for width in widths:
        size = target_size(base.size, width, False)
        source = min((im for im in done if im.width >= CASCADE_GAP * size[0] and im.mode != "RGBA"),
                     key=lambda im: im.width, default=base)
        frame = source if source.size == size else source.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)
        done.append(frame)
        yield width, frame


def _group(fmt):
    """Formats sharing a pixel mode share the decoded/resized pixels (JPEG has no alpha)."""
    return "jpeg" if fmt == "jpeg" else "webp"


# --------------------------------------------------------------------------- handler


def parse_variant(uri, settings):
    """``(original key, variant key, width, quality, fmt)`` for a valid variant URI, else None."""
    try:
        path = unquote(uri, errors="strict")
        path.encode("utf-8")
    except UnicodeError:
        return None
    match = _VARIANT.match(path)
    if not match or match["prefix"] + "/" != settings.processed_prefix:
        return None
    name, width, quality, fmt = match["name"], int(match["width"]), int(match["quality"]), match["fmt"]
    if width not in settings.widths or ".." in name.split("/") or name.startswith("/"):
        return None
    if (fmt == "png") != (quality == 0) or (quality and quality not in settings.qualities):
        return None
    return name, path[1:], width, quality, fmt


def image_response(body, fmt, settings):
    """Generated 200 carrying the variant base64-encoded."""
    response = ec.generated_response(200, "", settings.security, _CONTENT_TYPES[fmt], settings.cache_control,
                                     extra={"vary": "Accept"})
    response["body"] = base64.b64encode(body).decode("ascii")
    response["bodyEncoding"] = "base64"
    return response


def redirect_response(location, settings):
    """302 to the viewer URL: the stored variant is served by CloudFront on the next request."""
    return ec.generated_response(302, "", settings.security, cache_control="no-store",
                                 extra={"location": location})


def error_response(status, settings):
    return ec.generated_response(status, "Not Found" if status == 404 else "Unsupported image",
                                 settings.security, cache_control=settings.error_cache_control)


def _viewer_location(request):
    headers = request.get("headers")
    location = ec.first_value(headers, "x-cf-viewer-uri") if ec.headers_are_safe(headers) else ""
    if location.startswith("/images/") and location.isprintable() and " " not in location:
        return location
    return ""


def generate(request, settings):
    """Build, store and return the variant named by ``request["uri"]``."""
    parsed = parse_variant(request["uri"], settings)
    if parsed is None:
        return error_response(404, settings)
    original_key, variant_key, width, quality, fmt = parsed
    try:
        body = render(fetch_original(original_key, settings), width, fmt, quality, settings)
    except ImageRejected as rejected:
        return error_response(rejected.status, settings)
    stored = store_variant(variant_key, body, fmt, settings)
    if 4 * ((len(body) + 2) // 3) <= settings.max_inline_base64:
        return image_response(body, fmt, settings)
    location = _viewer_location(request)
    if stored and location:
        return redirect_response(location, settings)
    return ec.generated_response(503, "Service Unavailable", settings.security, extra={"retry-after": "5"})


def handle(event, settings):
    """Origin-response event for ``/images/*``: pass stored variants, generate missing ones."""
    parts = ec.cf_parts(event, want_response=True)
    if parts is None:
        return ec.generated_response(502, "Bad Gateway", settings.security)
    _, request, response = parts
    status = ec.response_status(response)
    if status in (403, 404):
        return generate(request, settings)
    headers = ec.safe_response_headers(response)
    if status == 200:
        headers["cache-control"] = ec.header_entry("cache-control", settings.cache_control)
        ec.merge_vary(headers, add=("Accept",))
    return response


SETTINGS = Settings(ec.load_config(__file__))
THREADS = max(1, min(SETTINGS.threads, os.cpu_count() or 1))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("image_optimizer", exc, SETTINGS.security)
