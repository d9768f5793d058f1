import { render } from "preact";
import { resolveConfig } from "./config.ts";
import { locale } from "./i18n/index.ts";
import { App } from "./ui/App.tsx";
import "./ui/styles.css";

const root = document.getElementById("app");
// The page speaks the language chosen from the browser (or remembered) from the first paint.
document.documentElement.lang = locale();

if (root !== null) {
  // The lobby renders at once; the settings (query, config.json, build) are needed only to join.
  const config = resolveConfig();
  void config.then(({ edge }) => {
    root.dataset.edge = edge.url;
    root.dataset.edgeSource = edge.source;
  });
  render(<App config={config} />, root);
}
