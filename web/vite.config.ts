import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Static build into web/dist: the edge (wrangler assets) or any CDN serves it.
// `base: "./"` keeps every asset URL relative, so the folder works under any path.
export default defineConfig({
  base: "./",
  plugins: [preact()],
  // `npm run dev -w web`: room sockets go to a local edge (`npm start` runs one on :8787).
  server: {
    proxy: { "/rooms": { target: process.env.HUDDLE_DEV_EDGE ?? "http://127.0.0.1:8787", ws: true } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rolldownOptions: {
      // @huddle/protocol only defines schemas and constants: the lobby's few constants then
      // do not pull zod into the first chunk (it loads with the call code, in parallel).
      treeshake: { moduleSideEffects: (id: string) => !/[\\/]protocol[\\/]src[\\/]/.test(id) },
    },
  },
});
