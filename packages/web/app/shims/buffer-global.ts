// The decoders use Node's Buffer (Buffer.concat, Buffer.from): the `buffer` package, as a global.
import { Buffer } from 'buffer';

export { Buffer };
