import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// The dashboard UI is bundled (no CDN) into dashboard/ui/dist, which fastify serves. Two entries:
// the page, and the technician app's service worker, which must keep one unhashed same-origin
// name (/sw.js: its URL is its identity, and its scope is the folder it is served from). The
// web app manifest and its icon are static files in public/, copied to dist as they are.
export default defineConfig({
  root: here('.'),
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: { index: here('./index.html'), sw: here('./sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  logLevel: 'warn',
});
