// sharp side of bench/image_vs_sharp.py. Reads a JSON job description (argv[2]) naming the
// originals (already written to disk by the Python side) and the cells to run; prints one JSON
// document with per-cell median milliseconds and output bytes. Buffers are read once up front so
// both libraries are timed buffer -> buffer, as in the Lambda (S3 bytes in, bytes out).
'use strict';
const fs = require('fs');
const path = require('path');
const sharp = require(path.join(__dirname, 'node_modules', 'sharp'));

function pipeline(buf, width, fmt, q, avifEffort) {
  let p = sharp(buf, { limitInputPixels: 40000000 }).resize({ width, withoutEnlargement: true });
  if (fmt === 'jpeg') {
    // flatten like the Python side does for alpha originals (JPEG has no alpha)
    p = p.flatten({ background: '#ffffff' }).jpeg({ quality: q });
  } else if (fmt === 'webp') {
    p = p.webp({ quality: q, effort: 4 });
  } else if (fmt === 'avif') {
    p = p.avif({ quality: q, effort: avifEffort, chromaSubsampling: '4:2:0' });
  }
  return p.toBuffer();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timeIt(fn, repeats) {
  const times = [];
  let out;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    out = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), out };
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  sharp.cache(false); // no result cache: every run decodes again, as a cold Lambda would
  const results = { sharp: sharp.versions.sharp, vips: sharp.versions.vips, concurrency: sharp.concurrency(), cells: [], batches: [] };
  const buffers = {};
  for (const [name, file] of Object.entries(job.originals)) buffers[name] = fs.readFileSync(file);
  for (const c of job.cells) {
    await pipeline(buffers[c.original], c.width, c.format, c.quality, c.avif_effort); // warm-up
    const { ms, out } = await timeIt(() => pipeline(buffers[c.original], c.width, c.format, c.quality, c.avif_effort), c.repeats);
    const meta = await sharp(out).metadata();
    results.cells.push({ ...c, ms, bytes: out.length, out_width: meta.width, out_format: meta.format });
  }
  for (const b of job.batches) {
    const run = () => Promise.all(b.widths.flatMap((w) => b.formats.map((f) =>
      pipeline(buffers[b.original], w, f, b.qualities[f], b.avif_effort))));
    await run();
    const { ms, out } = await timeIt(run, b.repeats);
    results.batches.push({ ...b, ms, bytes: out.reduce((n, x) => n + x.length, 0) });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => { console.error(err); process.exit(1); });
