import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { reactAriaAliases } from "./react-aria-resolution.js";

// Workspace packages export their TypeScript sources under the "source" condition: bundle the SDK
// and the contracts from source, so the app never depends on their dist/ being fresh.
export default defineConfig({
  plugins: [
    react(),
    // Installable, and opens without the network: a web app manifest, icons rendered from
    // public/favicon.svg at build time, and a Workbox service worker that precaches the app shell
    // (index.html and the hashed build files) and nothing else: no /server-key, no WebSocket, no
    // user data (that stays in the SDK's IndexedDB and localStorage). See docs/DEPLOYMENT.md.
    VitePWA({
      // A new deploy installs a new worker that waits; the app offers "reload" (UpdatePrompt).
      registerType: "prompt",
      // Registered from main.tsx (virtual:pwa-register): the CSP forbids the inline script.
      injectRegister: false,
      pwaAssets: {
        image: "public/favicon.svg",
        preset: {
          transparent: { sizes: [64, 192, 512], favicons: [[48, "favicon.ico"]] },
          // A phone crops maskable icons to its own shape: the lock keeps a margin on the brand blue.
          maskable: { sizes: [512], padding: 0.3, resizeOptions: { background: "#3b5bdb" } },
          apple: { sizes: [180], padding: 0.3, resizeOptions: { background: "#3b5bdb" } },
        },
        // index.html has its own theme-color metas (light and dark); the icon links are injected.
        injectThemeColor: false,
      },
      manifest: {
        id: "/",
        name: "Sealroom",
        short_name: "Sealroom",
        description: "End-to-end encrypted chat",
        start_url: "/",
        scope: "/",
        display: "standalone",
        // The light theme's page colour (styles/tokens); index.html's theme-color metas follow dark mode.
        theme_color: "#f4f5f8",
        background_color: "#f4f5f8",
        // The PNGs are the ones pwaAssets renders from the preset above; the SVG scales to any size.
        icons: [
          { src: "/pwa-192x192.png", sizes: "192x192", type: "image/png" },
          { src: "/pwa-512x512.png", sizes: "512x512", type: "image/png" },
          { src: "/maskable-icon-512x512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
          { src: "/favicon.svg", sizes: "any", type: "image/svg+xml" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,ico,woff2}"],
        // The emoji font and the main bundle are large; the shell must be whole to open offline.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        // Any navigation (a reload on /#/c/… or a deep link) opens the cached shell, except the
        // gateway's own endpoints, which must always reach the network.
        navigateFallback: "index.html",
        navigateFallbackDenylist: [/^\/(ws|server-key|healthz|metrics)(\/|$)/],
        // An old deploy's precache is deleted once the new worker activates.
        cleanupOutdatedCaches: true,
        // One file, so the gateway's no-cache for sw.js covers all of the worker's code.
        inlineWorkboxRuntime: true,
        // Nothing is cached at run time: no runtimeCaching entries on purpose.
        runtimeCaching: [],
      },
    }),
  ],
  resolve: { conditions: ["source", ...defaultClientConditions], alias: reactAriaAliases },
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
