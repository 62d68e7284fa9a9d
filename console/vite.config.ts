// Builds the web console into dist/console/, served by the REST API's port (src/nbi/plugins/console.ts).
// The output must run under a Content-Security-Policy without 'unsafe-inline': no inline script or
// style, so the module preload polyfill (an inline script) is off; the browsers the console supports
// all have modulepreload.
import preact from "@preact/preset-vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  plugins: [preact()],
  logLevel: "warn",
  // `npx vite --config console/vite.config.ts`: the console with live reload, the API of a running
  // `provisio serve` (PROVISIO_API, default port 7557) behind the same origin.
  server: {
    proxy: Object.fromEntries(["/api", "/healthz"].map((p) => [p, { target: process.env.PROVISIO_API ?? "http://127.0.0.1:7557", changeOrigin: false }])),
  },
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    // Assets are always files with hashed names, never data: URLs inlined in CSS or scripts.
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
    // CodeMirror is one chunk of its own, loaded only by the provisioning editors.
    chunkSizeWarningLimit: 600,
  },
});
