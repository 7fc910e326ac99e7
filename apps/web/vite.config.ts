import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

// Workspace packages export their TypeScript sources under the "source" condition: bundle the SDK
// and the contracts from source, so the app never depends on their dist/ being fresh.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The gateway's CSP forbids inline scripts; keep every asset a file.
    assetsInlineLimit: 0,
    // No source map in what the gateway serves to everyone (it hands out the readable source);
    // WEB_SOURCEMAP=true builds one for debugging.
    sourcemap: process.env.WEB_SOURCEMAP === "true",
  },
  server: {
    // `npm run dev` next to `npm start`: proxy the gateway's /ws and /server-key so the page stays
    // same-origin. The gateway checks the browser's Origin: start it with
    // ALLOWED_ORIGINS=http://localhost:5173 for this.
    proxy: {
      "/ws": { target: "http://127.0.0.1:8080", ws: true },
      "/server-key": { target: "http://127.0.0.1:8080" },
    },
  },
});
