// Builds the admin UI into web/dist, which the service serves (src/http/web-ui.ts).
// In dev mode (npm run dev:web) Vite proxies /api to a running hubsync on port 3000.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  // No source maps in the build: the service would otherwise hand the UI's source to anyone.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env['HUBSYNC_URL'] ?? 'http://localhost:3000', changeOrigin: false } },
  },
});
