"""Measured speed paths behind the image optimiser's plain-Pillow path (``handler.py``).

Each function here either does its job faster than the plain path or declines (returns False/None),
and the handler then does the plain thing. They use Pillow internals (``ImageFile._Tile``,
``Image._size``, ``decoderconfig``, ``load_read``, ``Image.im``), so the handler uses this module only
when ``PIL.__version__`` is one of ``VERIFIED_PILLOW``: the versions the tests in
``tests/unit/lambdas/test_lambda_image_fast_paths.py`` (each path against the plain one) and the
figures in ``bench/RESULTS-lambdas.md`` were obtained on. To allow a new Pillow: run those tests and
``bench/image_paths.py`` on it, then add the version here, to pyproject's pin and to
``requirements.lock``. Any other Pillow gets the plain path, which needs only Pillow's public API.

The paths (why, in one line each):

* ``draft_jpeg``: libjpeg-turbo can decode at 3/8 scale, Pillow's ``draft()`` only at 1/2^n: 44 % fewer
  pixels for e.g. 4000 -> 1280 px (output within 1 level on average).
* ``decode_resizing``: resizes a JPEG's bands on a worker while libjpeg is still writing the rows
  below them, so most of the resize hides behind the decode (identical to resizing the same bands
  after the decode; within 2 levels of one whole-image resize).
* ``load_png``: inflates PNG data with ISA-L (about 2x the system zlib Pillow links to), on a worker
  while Pillow unfilters, handing it the rows as stored deflate blocks (pixel-identical).
* ``resize``: Lanczos in horizontal bands on a thread pool (Pillow releases the GIL while
  resampling): the second core halves a large resize (within 2 levels of one resize).
"""

import itertools

VERIFIED_PILLOW = frozenset({"13.0.0"})
LANCZOS = 1  # PIL.Image.Resampling.LANCZOS, without importing Pillow at module import
REDUCING_GAP = 2.0  # the handler's (libvips' default gap); a test checks the two agree


def supports(pillow_version):
    """True when these paths were verified on this Pillow version (else the handler stays plain)."""
    return pillow_version in VERIFIED_PILLOW


# --------------------------------------------------------------------------- JPEG: 3/8 DCT scaling


def draft_jpeg(image, size):
    """Set a 3/8-scale decode when it is the smallest libjpeg scale covering ``size``; True if set.

    Pillow's ``draft()`` sets up 1/2 here, then the tile, size and decoder scale are narrowed to 3/8
    behind its back; when the tile layout is not the one expected nothing is changed (False).
    """
    width, height = image.size
    three_eighths = (-(-width * 3 // 8), -(-height * 3 // 8))
    quarter = (-(-width // 4), -(-height // 4))
    if not (three_eighths[0] >= size[0] and three_eighths[1] >= size[1]
            and not (quarter[0] >= size[0] and quarter[1] >= size[1])):
        return False
    from PIL import ImageFile
    tile_type = getattr(ImageFile, "_Tile", None)
    if tile_type is None:
        return False
    image.draft(image.mode, ((width + 1) // 2, (height + 1) // 2))
    tile = image.tile[0] if len(image.tile) == 1 else None
    if tile is None or image.decoderconfig != (2, 0) or tuple(tile[1][:2]) != (0, 0):
        return True  # draft() already set up 1/2, which covers size: the plain draft result
    image.tile = [tile_type(tile[0], (0, 0) + three_eighths, tile[2], tile[3])]
    image._size = three_eighths
    image.decoderconfig = (3, 0)  # libjpeg: scale_num 1 / scale_denom 3 -> rounds up to 3/8
    return True


def used_three_eighths(image):
    """True when ``draft_jpeg`` narrowed this image's decode to 3/8 (the handler retries plain on failure)."""
    return getattr(image, "decoderconfig", None) == (3, 0)


# --------------------------------------------------------------------------- JPEG: resize while decoding


PIPELINE_BANDS = 4
PIPELINE_MIN_PIXELS = 20_000  # below this the resize costs less than handing bands to threads
_SENTINEL = {"RGB": (3, 251, 7), "L": 251}


def decode_resizing(image, size, threads):
    """Decode a (drafted) JPEG and resize it to ``size`` while it decodes; None when this does not apply.

    libjpeg writes rows top to bottom, so the output is cut into ``PIPELINE_BANDS`` bands, each resized
    on the pool as soon as the source rows under it (and Lanczos' reach) are decoded. Progress is read
    from the image memory, pre-filled with a sentinel colour: a row whose last pixel lost it has been
    written (a row that really ends in that colour only waits for the end). Decoding errors propagate
    as Pillow raises them.
    """
    if not pipelinable(image, size, threads):
        return None
    pipeline = _BandPipeline(image, size, threads)
    pipeline.decode()
    if image.im is not pipeline.view.im:  # Pillow allocated its own memory: the bands read the sentinel
        return resize(image, size, threads) or image.resize(size, LANCZOS, reducing_gap=REDUCING_GAP)
    return pipeline.assemble()


def pipelinable(image, size, threads):
    """Worth (and possible) to resize this JPEG while it decodes."""
    if threads < 2 or size[0] * size[1] < PIPELINE_MIN_PIXELS or image.mode not in _SENTINEL:
        return False
    if not hasattr(image, "load_read") or "load_read" in vars(image) or image.size == size:
        return False
    return int(min(image.width / size[0], image.height / size[1]) / REDUCING_GAP) <= 1  # no box reduce


class _BandPipeline:
    """Resizes the bands of one JPEG on the pool while the calling thread decodes it."""

    def __init__(self, image, size, threads):
        from PIL import Image
        self.image, self.size, self.threads = image, size, threads
        self.sentinel = _SENTINEL[image.mode]
        self.view = Image.new(image.mode, image.size, self.sentinel)
        image.im = self.view.im  # ImageFile.load() decodes into existing memory of the right mode and size
        self.bands = bands(image.size, size)
        self.futures = []

    def decode(self):
        """Decode, starting each band once its rows are in."""
        read = self.image.load_read

        def start_ready_bands_then_read(read_bytes):  # Pillow calls it before feeding every chunk
            self._start_ready_bands()
            return read(read_bytes)
        self.image.load_read = start_ready_bands_then_read
        try:
            self.image.seek(0)
            self.image.load()
        except BaseException:
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
        return _pool(self.threads).submit(resize_band, self.view, self.size, band)


def bands(source_size, size):
    """``(top, bottom, last source row read)`` per output band: Lanczos-3 reads 3 x scale source rows
    beyond each side of a band's box (plus 2 for rounding)."""
    scale = source_size[1] / size[1]
    cuts = [round(size[1] * i / PIPELINE_BANDS) for i in range(PIPELINE_BANDS + 1)]
    reach = 3 * max(scale, 1.0) + 2
    return [(top, bottom, min(source_size[1] - 1, int(bottom * scale + reach)))
            for top, bottom in itertools.pairwise(cuts)]


def resize_band(view, size, band):
    """One output band of a Lanczos resize of ``view`` to ``size``."""
    top, bottom, _ = band
    scale = view.height / size[1]
    return view.resize((size[0], bottom - top), LANCZOS, box=(0, top * scale, view.width, bottom * scale))


# --------------------------------------------------------------------------- PNG: ISA-L inflate


def load_png(image, threads):
    """Decode a PNG with its data inflated by ISA-L; False (nothing done) when not a PNG or no ``isal``.

    The inflated bytes reach Pillow's own PNG decoder framed as *stored* deflate blocks, which zlib
    passes through as a copy, so Pillow still unfilters, checks and unpacks the rows (pixel-identical).
    One difference: a stream that ends before the last row is refused as truncated, where Pillow
    alone leaves the missing rows blank.
    """
    feed = isal_png_feed(image, threads)
    if feed is None:
        return False
    image.load_read = feed.read  # ImageFile.load() pulls the compressed data through load_read
    try:
        image.load()
    finally:
        del image.load_read
        feed.close()
    return True


def isal_png_feed(image, threads=1):
    """An ``IsalPngFeed`` for a PNG when ``isal`` is importable, else None."""
    if image.format != "PNG" or "load_read" in vars(image) or not hasattr(image, "load_read"):
        return None
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return IsalPngFeed(isal_zlib, image.load_read, threaded=threads > 1, limit=png_data_limit(image.size))


def png_data_limit(size):
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
    None. An inflate error becomes an OSError. Pillow inflates only the rows it needs, but this feed
    inflates ahead, so it stops at ``limit`` bytes: a zlib bomb hidden behind the rows is never expanded.
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
                    self._pieces.put(stored_blocks(raw))
            if inflater.eof:  # a truncated original stays truncated: Pillow reports it
                self._pieces.put(_STORED_END + adler.to_bytes(4, "big"))
        except isal_zlib.error as exc:
            self._pieces.put(OSError(f"corrupt PNG data stream ({exc})"))
        finally:
            self._pieces.put(None)


_STORED_MAX = 65535
_STORED_END = b"\x01\x00\x00\xff\xff"  # final stored block of length 0


def stored_blocks(raw):
    """``raw`` as non-final stored deflate blocks (a 5-byte header per 64 KiB; no compression)."""
    view, parts = memoryview(raw), []
    for start in range(0, len(raw), _STORED_MAX):
        piece = view[start:start + _STORED_MAX]
        size = len(piece)
        parts.append(bytes((0, size & 0xFF, size >> 8, ~size & 0xFF, (~size >> 8) & 0xFF)))
        parts.append(piece)
    return b"".join(parts)


# --------------------------------------------------------------------------- banded threaded resize


MIN_BAND_PIXELS = 100_000  # below this one resize is cheaper than handing bands to threads
_POOL = []


def resize(image, size, threads):
    """Lanczos-3 resize in ``threads`` horizontal bands on a pool; None for one thread or small outputs.

    Each band reads the source rows around its own box, so opaque images match one whole-image resize
    to within 2 levels (identical when the band offsets are exact). RGBA is resampled premultiplied
    and converted back once (alpha within 1 level of Pillow's own RGBA path). Large integer ratios are
    first box-reduced (``REDUCING_GAP``), as Pillow's ``reducing_gap`` does.
    """
    if threads < 2 or size[0] * size[1] < MIN_BAND_PIXELS:
        return None
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
    for i, part in enumerate(_pool(threads).map(band, range(threads))):
        out.paste(part, (0, cuts[i]))
    return out.convert("RGBA") if image.mode == "RGBA" else out


def _pool(threads):
    """One thread pool for the process, sized by the first caller (the handler's THREADS)."""
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor
        _POOL.append(ThreadPoolExecutor(max_workers=max(2, threads), thread_name_prefix="resize"))
    return _POOL[0]
