/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Build-time edge URL (see config.ts); empty or absent means "same origin as the page". */
  readonly VITE_EDGE_URL?: string;
}
