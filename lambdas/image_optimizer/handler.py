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

Configuration comes from the bundled ``edge_config.json`` (``images`` block). The S3 client is
created lazily per region; tests inject their own with ``set_s3_client_factory``.
"""

import base64
import io
import itertools
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


def prepare(image, width, fmt, fast_draft=True):
    """Decode (DCT-scaled for JPEG), flatten to the output mode and resize; returns a loaded image."""
    scalable = image.format == "JPEG" and image.mode in ("RGB", "L")
    if not scalable:
        # decode first: Pillow's PNG getexif() loads the whole image (eXIf may follow the pixel data)
        _decode(image)
    orientation = _orientation(image)
    size = target_size(image.size, width, orientation in (5, 6, 7, 8))
    if scalable:
        if fast_draft:
            jpeg_draft(image, size)
        else:
            image.draft(image.mode, size)
        image = decode_resizing(image, size)
    # Alpha is flattened for JPEG after resizing: compositing over white is linear in premultiplied
    # space, so the result is the same as flattening first, at the cost of the output's pixels only.
    flatten = fmt == "jpeg" and _has_alpha(image)
    image = _to_output_mode(image, "webp" if flatten else fmt)
    if image.size != size:
        image = resize(image, size)
    if flatten:
        image = _flatten_on_white(image)
    if orientation in _TRANSPOSE:
        # from the orientation read before decoding: resized images no longer carry the EXIF block
        image = image.transpose(_TRANSPOSE[orientation])
    return image


# EXIF orientation -> PIL.Image.Transpose value that shows the image upright (as ImageOps.exif_transpose)
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}


def decode_resizing(image, size, threads=None):
    """Decode a (drafted) JPEG and resize it to ``size`` while it decodes; returns the resized image.

    libjpeg writes rows top to bottom, so the output is cut into ``PIPELINE_BANDS`` bands, each resized
    on the pool as soon as the source rows under it (and Lanczos' reach) are decoded, while this thread
    keeps decoding: most of the resize hides behind the decode instead of following it. Progress is
    read from the image memory, pre-filled with a sentinel colour before decoding: a row whose last
    pixel lost it has been written (a row that really ends in that colour only waits for the end).
    The result does not depend on the timing: it is identical to resizing the same bands after the
    decode (tested), and within 2 levels of one whole-image resize.
    Falls back to decode-then-``resize`` when pipelining cannot pay (small output, one thread, a
    ratio that wants a box reduction first) or Pillow does not decode into the prepared memory.
    """
    threads = THREADS if threads is None else threads
    if not _pipelinable(image, size, threads):
        _decode(image)
        return image
    pipeline = _BandPipeline(image, size)
    pipeline.decode()
    if image.im is not pipeline.view.im:  # Pillow allocated its own memory: the bands read the sentinel
        return resize(image, size, threads)
    return pipeline.assemble()


class _BandPipeline:
    """Resizes the bands of one JPEG on the pool while the calling thread decodes it."""

    def __init__(self, image, size):
        from PIL import Image
        self.image, self.size = image, size
        self.sentinel = _SENTINEL[image.mode]
        self.view = Image.new(image.mode, image.size, self.sentinel)
        image.im = self.view.im  # ImageFile.load() decodes into existing memory of the right mode and size
        self.bands = _bands(image.size, size)
        self.futures = []

    def decode(self):
        """Decode, starting each band once its rows are in; ImageRejected when the data is corrupt."""
        read = self.image.load_read

        def start_ready_bands_then_read(read_bytes):  # Pillow calls it before feeding every chunk
            self._start_ready_bands()
            return read(read_bytes)
        self.image.load_read = start_ready_bands_then_read
        try:
            _decode(self.image)
        except ImageRejected:
            for future in self.futures:
                future.cancel()
            raise
        finally:
            del self.image.load_read

    def assemble(self):
        """The resized image: the remaining bands (all rows are in now), pasted in order."""
        from PIL import Image
        self.futures += [self._submit(band) for band in self.bands[len(self.futures):]]
        out = Image.new(self.view.mode, self.size)
        for (top, _, _), future in zip(self.bands, self.futures):
            out.paste(future.result(), (0, top))
        return out

    def _start_ready_bands(self):
        while len(self.futures) < len(self.bands):
            band = self.bands[len(self.futures)]
            if self.view.im.getpixel((self.view.width - 1, band[2])) == self.sentinel:
                return  # the last source row this band reads has not been written yet
            self.futures.append(self._submit(band))

    def _submit(self, band):
        return _pool().submit(_resize_band, self.view, self.size, band)


PIPELINE_BANDS = 4
PIPELINE_MIN_PIXELS = 20_000  # below this the resize costs less than handing bands to threads
_SENTINEL = {"RGB": (3, 251, 7), "L": 251}


def _pipelinable(image, size, threads):
    if threads < 2 or size[0] * size[1] < PIPELINE_MIN_PIXELS or image.mode not in _SENTINEL:
        return False
    if not hasattr(image, "load_read") or "load_read" in vars(image) or image.size == size:
        return False
    return int(min(image.width / size[0], image.height / size[1]) / REDUCING_GAP) <= 1  # no box reduce


def _bands(source_size, size):
    """``(top, bottom, last source row read)`` per output band: Lanczos-3 reads 3 x scale source rows
    beyond each side of a band's box (plus 2 for rounding)."""
    scale = source_size[1] / size[1]
    cuts = [round(size[1] * i / PIPELINE_BANDS) for i in range(PIPELINE_BANDS + 1)]
    reach = 3 * max(scale, 1.0) + 2
    return [(top, bottom, min(source_size[1] - 1, int(bottom * scale + reach)))
            for top, bottom in itertools.pairwise(cuts)]


def _resize_band(view, size, band):
    top, bottom, _ = band
    scale = view.height / size[1]
    return view.resize((size[0], bottom - top), LANCZOS, box=(0, top * scale, view.width, bottom * scale))


def _decode(image):
    """Decode the first frame, or ImageRejected 415 when the data is corrupt."""
    try:
        image.seek(0)
        load_pixels(image)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected(415, f"corrupt image data ({type(exc).__name__})") from None


def load_pixels(image, threads=None):
    """Decode ``image``; PNG data is inflated by ISA-L when the ``isal`` package is in the bundle (on a
    worker thread when ``threads`` > 1).

    PNG decoding is zlib inflate plus unfiltering, and Pillow inflates with the system zlib (its
    wheels do not ship one): on a 1600x1200 RGBA original that is about 30 of the 50 ms of decoding.
    ISA-L inflates the same stream about twice as fast, and on a worker thread it runs while Pillow
    unfilters the rows already inflated. The inflated bytes reach Pillow's own PNG decoder framed as
    *stored* deflate blocks, which zlib passes through as a copy, so Pillow still unfilters, checks and
    unpacks the rows exactly as before (pixel-identical, tested). One difference: a stream that ends
    before the last row is refused as truncated, where Pillow alone leaves the missing rows blank.
    """
    feed = _isal_png_feed(image, THREADS if threads is None else threads)
    if feed is None:
        image.load()
        return
    image.load_read = feed.read  # ImageFile.load() pulls the compressed data through load_read
    try:
        image.load()
    finally:
        del image.load_read
        feed.close()


def _isal_png_feed(image, threads=1):
    """An ``IsalPngFeed`` for a PNG when ``isal`` is importable, else None."""
    if image.format != "PNG" or "load_read" in vars(image) or not hasattr(image, "load_read"):
        return None
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return IsalPngFeed(isal_zlib, image.load_read, threaded=threads > 1, limit=_png_data_limit(image.size))


def _png_data_limit(size):
    """The most inflated bytes any PNG of ``size`` needs: 8 bytes a pixel (16-bit RGBA), a filter byte
    per row, and Adam7's extra filter and padding bytes (at most 2 per row and pass)."""
    width, height = size
    return height * (1 + width * 8) + 14 * height + 1024


PIPELINE_MIN_BYTES = 256 * 1024  # below this a worker thread costs more than it overlaps
_INFLATE_STEP = 64 * 1024
_INFLATE_OUT = 256 * 1024  # output per step: a zlib bomb cannot allocate more than this at once


class IsalPngFeed:
    """Stands in for ``PngImageFile.load_read``: Pillow's decoder gets a zlib stream of stored blocks.

    The compressed image data is read in full on the first call (Pillow prepares its chunk reader
    inside ``load()``), then inflated in steps - on a worker thread for large images - into a queue
    of pieces: stored blocks, the stream end and checksum (only when the original stream ended), then
    None. An inflate error becomes an OSError, which ``prepare`` turns into a 415. Pillow inflates only
    the rows it needs, but this feed inflates ahead, so it stops at ``limit`` bytes: a zlib bomb
    hidden behind the rows is never expanded.
    """

    def __init__(self, isal_zlib, read_compressed, threaded, limit):
        self._zlib = isal_zlib
        self._read_compressed = read_compressed
        self._threaded = threaded
        self._limit = limit
        self._pieces = None
        self._stop = False
        self._worker = None
        self._header = b"\x78\x01"  # zlib header: deflate, 32 KiB window, no dictionary

    def read(self, read_bytes):
        if self._pieces is None:
            self._start()
        piece = self._pieces.get()
        if piece is None:
            self._pieces.put(None)  # every later call sees the end too
            return b""
        if isinstance(piece, Exception):
            raise piece
        header, self._header = self._header, b""
        return header + piece

    def close(self):
        """Stop and join the worker (Pillow stops reading once every row is decoded)."""
        self._stop = True
        if self._worker is not None:
            self._worker.join()

    def _start(self):
        import queue
        compressed = self._all_compressed()
        self._pieces = queue.SimpleQueue()
        if self._threaded and len(compressed) >= PIPELINE_MIN_BYTES:
            import threading
            self._worker = threading.Thread(target=self._inflate, args=(compressed,), daemon=True,
                                            name="png-inflate")
            self._worker.start()
        else:
            self._inflate(compressed)

    def _all_compressed(self):
        parts = []
        while True:
            data = self._read_compressed(1 << 20)
            if not data:
                return b"".join(parts)
            parts.append(data)

    def _inflate(self, compressed):
        isal_zlib = self._zlib
        inflater, adler, budget, start = isal_zlib.decompressobj(), 1, self._limit, 0
        try:
            while not (self._stop or inflater.eof) and budget > 0:
                data = inflater.unconsumed_tail
                if not data:
                    if start >= len(compressed):
                        break
                    data, start = compressed[start:start + _INFLATE_STEP], start + _INFLATE_STEP
                raw = inflater.decompress(data, min(budget, _INFLATE_OUT))
                if raw:
                    budget -= len(raw)
                    adler = isal_zlib.adler32(raw, adler)
                    self._pieces.put(_stored_blocks(raw))
            if inflater.eof:  # a truncated original stays truncated: Pillow reports it
                self._pieces.put(_STORED_END + adler.to_bytes(4, "big"))
        except isal_zlib.error as exc:
            self._pieces.put(OSError(f"corrupt PNG data stream ({exc})"))
        finally:
            self._pieces.put(None)


_STORED_MAX = 65535
_STORED_END = b"\x01\x00\x00\xff\xff"  # final stored block of length 0


def _stored_blocks(raw):
    """``raw`` as non-final stored deflate blocks (a 5-byte header per 64 KiB; no compression)."""
    view, parts = memoryview(raw), []
    for start in range(0, len(raw), _STORED_MAX):
        piece = view[start:start + _STORED_MAX]
        size = len(piece)
        parts.append(bytes((0, size & 0xFF, size >> 8, ~size & 0xFF, (~size >> 8) & 0xFF)))
        parts.append(piece)
    return b"".join(parts)


def jpeg_draft(image, size):
    """DCT-domain downscale while decoding: the smallest libjpeg scale (1/8, 1/4, 3/8, 1/2) that still
    covers ``size``. Pillow's ``draft()`` only offers 1/2^n; libjpeg-turbo also decodes at 3/8, which
    e.g. for 4000 -> 1280 px decodes 1500 instead of 2000 px wide (44 % fewer pixels to convert and
    resize; measured output within 0.1 % in bytes, mean pixel difference < 1 level). The 3/8 step
    sets the decoder scale behind ``draft()``'s back and is verified: if the tile layout is not the one
    expected, plain ``draft()`` is used.
    """
    width, height = image.size
    three_eighths = (-(-width * 3 // 8), -(-height * 3 // 8))
    quarter = (-(-width // 4), -(-height // 4))
    use_3_8 = (three_eighths[0] >= size[0] and three_eighths[1] >= size[1]
               and not (quarter[0] >= size[0] and quarter[1] >= size[1]))
    if not use_3_8:
        image.draft(image.mode, size)
        return
    image.draft(image.mode, ((width + 1) // 2, (height + 1) // 2))  # sets up 1/2, then narrowed to 3/8
    tile = image.tile[0] if len(image.tile) == 1 else None
    if tile is None or image.decoderconfig != (2, 0) or tuple(tile[1][:2]) != (0, 0):
        return
    from PIL import ImageFile
    tile_type = getattr(ImageFile, "_Tile", None)
    if tile_type is None:  # another Pillow layout: stay with the plain 1/2 draft set up above
        return
    image.tile = [tile_type(tile[0], (0, 0) + three_eighths, tile[2], tile[3])]
    image._size = three_eighths
    image.decoderconfig = (3, 0)  # libjpeg: scale_num 1 / scale_denom 3 -> rounds up to 3/8


def resize(image, size, threads=None):
    """Lanczos-3 resize; large outputs are cut into horizontal bands resized on a thread pool.

    Pillow releases the GIL while resampling and each band reads the source rows around its own box,
    so for opaque images the bands match one whole-image resize to within 2 levels (the band offsets
    round differently in the filter positions; identical when they are exact, tested). RGBA is
    resampled premultiplied and converted back once (alpha within 1 level of Pillow's own RGBA path;
    colour may differ only where alpha is near 0, where un-premultiplying amplifies rounding).
    Large integer ratios are first reduced with a box filter (``REDUCING_GAP``), as Pillow's
    ``reducing_gap`` does.
    """
    threads = THREADS if threads is None else threads
    if threads < 2 or size[0] * size[1] < MIN_BAND_PIXELS:
        return image.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)
    from PIL import Image
    source = image.convert("RGBa") if image.mode == "RGBA" else image
    factor = int(min(source.width / size[0], source.height / size[1]) / REDUCING_GAP)
    if factor > 1:
        source = source.reduce(factor)
    cuts = [round(size[1] * i / threads) for i in range(threads + 1)]
    scale = source.height / size[1]

    def band(i):
        top, bottom = cuts[i], cuts[i + 1]
        box = (0, top * scale, source.width, bottom * scale)
        return source.resize((size[0], bottom - top), LANCZOS, box=box)

    out = Image.new(source.mode, size)
    for i, part in enumerate(_pool().map(band, range(threads))):
        out.paste(part, (0, cuts[i]))
    return out.convert("RGBA") if image.mode == "RGBA" else out


THREADS = 1  # set from images.threads (capped at the CPU count) when the module loads
MIN_BAND_PIXELS = 100_000
_POOL = []


def _pool():
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor
        _POOL.append(ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="resize"))
    return _POOL[0]


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


def render(data, width, fmt, quality, settings):
    """One variant: original bytes -> encoded bytes (ImageRejected for bad originals)."""
    image = open_original(data, settings.max_pixels)
    try:
        prepared = prepare(image, width, fmt)
    except ImageRejected:
        if getattr(image, "decoderconfig", None) != (3, 0):
            raise
        # the 3/8 decode failed: give the plain draft() path its chance before refusing
        prepared = prepare(open_original(data, settings.max_pixels), width, fmt, fast_draft=False)
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
            base = prepare(open_original(data, settings.max_pixels), widths[0], group)
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
