// Peak-memory check for issue 19's "Bounded" item, run by peak-rss.sh under /usr/bin/time -v (not
// in `npm test`: the images are 13000×13000).
//   tsx peak-rss.ts make DIR   writes the test images (streamed, so making them stays small too)
//   tsx peak-rss.ts load FILE INTERP   loadImg(FILE, 224×224, INTERP) and prints a checksum
import { createHash } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, createDeflate } from 'node:zlib';
import { loadImg, type Interpolation } from '../load-image.js';

const SIZE = 13000;

async function makePng(path: string, colorType: number, depth: number): Promise<void> {
  const channels = colorType === 6 ? 4 : 3;
  const rowBytes = (SIZE * channels * depth) / 8;
  const chunks: Buffer[] = [];
  const deflate = createDeflate({ level: 9 });
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => deflate.on('end', r));
  const row = Buffer.alloc(rowBytes + 1);
  for (let y = 0; y < SIZE; y++) {
    row[0] = y === 0 ? 1 : 2; // Sub on the first row, then Up: a gradient, compressible to ~1 MB
    if (y === 0) for (let i = 1; i <= rowBytes; i++) row[i] = i % 7 === 0 ? 3 : 0;
    else row.fill(0, 1);
    if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const file = createWriteStream(path);
  file.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  file.write(chunk('IHDR', ihdr));
  file.write(chunk('IDAT', Buffer.concat(chunks)));
  file.end(chunk('IEND', Buffer.alloc(0)));
  await new Promise<void>((r) => file.on('finish', () => r()));
}

const [cmd, arg, interp] = process.argv.slice(2);
if (cmd === 'make') {
  await makePng(join(arg!, 'rgba16_13000.png'), 6, 16);
  await makePng(join(arg!, 'rgb8_13000.png'), 2, 8);
  writeFileSync(join(arg!, 'made'), '');
} else if (cmd === 'load') {
  process.removeAllListeners('warning'); // the DecompressionBombWarning is expected here
  const img = await loadImg(arg!, { targetSize: [224, 224], interpolation: (interp ?? 'nearest') as Interpolation });
  console.log(`${img.width}×${img.height} md5 ${createHash('md5').update(img.data).digest('hex')}`);
} else {
  console.error('usage: peak-rss.ts make DIR | load FILE [interpolation]');
  process.exit(2);
}
