// npm run build:web [OUT]: the explorer page as a static folder (default packages/web/dist-app).
import { register } from 'tsx/esm/api';
const out = process.argv[2] ?? new URL('../dist-app/', import.meta.url).pathname;
register();
const { buildWeb } = await import('../src/build-web.ts');
const { files } = await buildWeb(out);
console.log(`build:web → ${out}: ${files.filter((f) => !f.includes('/')).join(', ')}`);
