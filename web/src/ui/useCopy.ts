import { useEffect, useRef, useState } from "preact/hooks";

/**
 * Copies text to the clipboard; `copied` is true for two seconds after. Where the clipboard is
 * refused (an insecure origin, a denied permission) the text is offered in a prompt to copy by hand.
 */
export function useCopy(promptText: string): { copied: boolean; copy: (text: string) => Promise<void> } {
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2000);
    } catch {
      window.prompt(promptText, text);
    }
  };
  return { copied, copy };
}
