import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** /proc/loadavg as one line (printed before and after a run: the machine is shared); '' where absent. */
export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return '';
  }
}

/** This process's CPU time (user + system), in ms: on one thread, robust to other processes' load. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One line describing the machine, for BENCHMARKS.md: the CPU model and whether it has AVX-512 say which table is which. */
export function machine(): string {
  return `${cpus().length}× ${cpus()[0]?.model ?? '?'} (${vectorIsa()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** 'AVX-512' / 'AVX2, no AVX-512' / … from /proc/cpuinfo (Linux); 'ISA unknown' elsewhere. */
export function vectorIsa(): string {
  let flags: string[];
  try {
    flags = (/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/);
  } catch {
    return 'ISA unknown';
  }
  if (flags.includes('avx512f')) return 'AVX-512';
  if (flags.includes('avx2')) return 'AVX2, no AVX-512';
  if (flags.includes('avx')) return 'AVX, no AVX-512';
  return flags.length > 1 ? 'no AVX' : 'ISA unknown';
}
