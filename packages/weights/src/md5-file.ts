import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex digest of a whole file, streamed (the official files are up to 575 MB). */
export async function hashFile(path: string, algorithm: 'md5' | 'sha256' = 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
