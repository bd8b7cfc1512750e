// sharp side of bench/image_vs_sharp.py, run as a long-lived worker so both libraries can be
// measured cell by cell, interleaved, under the same machine load. Protocol: one JSON request per
// stdin line, one JSON answer per stdout line.
//   {"op": "load", "originals": {"photo": "/tmp/x/photo.jpg", ...}, "concurrency"?: n} -> {"ok": true, versions}
//   {"op": "cell", "original", "width", "format", "quality", "effort"}    -> {"ms", "cpu_ms", "bytes", "width", "format"}
//   {"op": "batch", "original", "widths", "formats", "qualities", "effort"} -> {"ms", "cpu_ms", "bytes", "outputs"}
// ms is wall-clock latency; cpu_ms is the process's user+system CPU time (all threads) for the call.
// Originals are read into memory once: both sides are timed buffer -> buffer, as in the Lambda
// (bytes from S3 in, bytes out). sharp's result cache is off so every run decodes again.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const sharp = require(path.join(__dirname, 'node_modules', 'sharp'));

sharp.cache(false);
const buffers = {};

function pipeline(buf, width, fmt, quality, effort) {
  let p = sharp(buf, { limitInputPixels: 40000000 }).resize({ width, withoutEnlargement: true });
  if (fmt === 'jpeg') {
    // JPEG has no alpha: flatten on white like the Python side
    p = p.flatten({ background: '#ffffff' }).jpeg({ quality });
  } else if (fmt === 'webp') {
    p = p.webp({ quality, effort: 4 });
  } else if (fmt === 'avif') {
    // libvips maps effort to aom speed as 9 - effort; Pillow's AVIF default subsampling is 4:2:0
    p = p.avif({ quality, effort, chromaSubsampling: '4:2:0' });
  } else {
    p = p.png({ compressionLevel: 6 });
  }
  return p.toBuffer({ resolveWithObject: true });
}

async function handle(req) {
  if (req.op === 'load') {
    if (req.concurrency) sharp.concurrency(req.concurrency);  // default: sharp's own (1 on glibc without jemalloc)
    for (const [name, file] of Object.entries(req.originals)) buffers[name] = fs.readFileSync(file);
    return { ok: true, sharp: sharp.versions.sharp, vips: sharp.versions.vips, concurrency: sharp.concurrency() };
  }
  if (req.op === 'cell') {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const { data, info } = await pipeline(buffers[req.original], req.width, req.format, req.quality, req.effort);
    const cpu = process.cpuUsage(c0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, cpu_ms: (cpu.user + cpu.system) / 1000, bytes: data.length, width: info.width, format: info.format };
  }
  if (req.op === 'batch') {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const outs = await Promise.all(req.widths.flatMap((w) => req.formats.map((f) =>
      pipeline(buffers[req.original], w, f, req.qualities[f], req.effort))));
    const cpu = process.cpuUsage(c0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, cpu_ms: (cpu.user + cpu.system) / 1000, bytes: outs.reduce((n, o) => n + o.data.length, 0), outputs: outs.length };
  }
  throw new Error(`unknown op ${req.op}`);
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    try {
      process.stdout.write(JSON.stringify(await handle(JSON.parse(line))) + '\n');
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: String(err && err.stack || err) }) + '\n');
    }
  });
});
