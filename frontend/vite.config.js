import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const PAGES = ["index", "felanmalan", "inkorg", "trygghetsvandring", "inloggning", "samordning"];
const SWAGGER_UI = dirname(require.resolve("swagger-ui-dist/package.json"));
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"];

// Swagger UI's files go into dist/api-docs, from where the app serves /docs without a CDN.
function swaggerUi() {
  return {
    name: "swagger-ui-files",
    generateBundle() {
      for (const name of SWAGGER_FILES) {
        this.emitFile({
          type: "asset",
          fileName: `api-docs/${name}`,
          source: readFileSync(join(SWAGGER_UI, name)),
        });
      }
    },
  };
}

// The app serves frontend/dist at "/"; during development the API is proxied.
export default defineConfig({
  base: "/",
  plugins: [swaggerUi()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    // One page per task: the map, a report's public page, the inbox, a walk's protocol, sign-in.
    rollupOptions: {
      input: Object.fromEntries(PAGES.map((name) => [name, join(HERE, `${name}.html`)])),
    },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ogc": "http://127.0.0.1:8000",
      "/docs": "http://127.0.0.1:8000",
      "/openapi.json": "http://127.0.0.1:8000",
      "/inloggning/": "http://127.0.0.1:8000",
      "/utloggning": "http://127.0.0.1:8000",
    },
  },
});
