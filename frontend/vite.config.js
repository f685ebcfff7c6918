import { defineConfig } from "vite";

// The app serves frontend/dist at "/"; during development the API is proxied.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ogc": "http://127.0.0.1:8000",
    },
  },
});
