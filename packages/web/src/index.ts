export { startServer, parseRange, SECURITY_HEADERS, type ServeOptions, type ServedWeights } from './server.js';
export { APP_DIR, ensureApp } from './app-dir.js';
