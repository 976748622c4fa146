// Copies the web console's static files (src/observability/console/) next to the compiled
// modules in dist/, which is what `strata serve --console` serves (tsc copies only .ts output).
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
cpSync(join(root, 'src', 'observability', 'console'), join(root, 'dist', 'src', 'observability', 'console'), { recursive: true });
