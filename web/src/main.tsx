import { render } from "preact";
import { resolveConfig } from "./config.ts";
import { App } from "./ui/App.tsx";
import "./ui/styles.css";

const root = document.getElementById("app");
if (root !== null) {
  // The lobby renders at once; the settings (query, config.json, build) are needed only to join.
  const config = resolveConfig();
  void config.then(({ edge }) => {
    root.dataset.edge = edge.url;
    root.dataset.edgeSource = edge.source;
  });
  render(<App config={config} />, root);
}
