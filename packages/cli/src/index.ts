export { runCli, MAIN_HELP } from './run-cli.js';
