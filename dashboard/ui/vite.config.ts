import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard UI is bundled (no CDN) into dashboard/ui/dist, which fastify serves.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
