import { CHAT_TEXT_MAX_LENGTH } from "@huddle/protocol";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatEntry } from "../call/Room.ts";
import { formatTime, t } from "../i18n/index.ts";
import { SendIcon } from "./icons.tsx";

/** Server timestamp (ISO 8601) shown in the reader's local time, in the current language's format. */
export function localTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : formatTime(date);
}

interface ChatPanelProps {
  messages: ChatEntry[];
  connected: boolean;
  /** False when our grants do not let us send messages (`canPublishData`): the chat is read-only. */
  allowed: boolean;
  onSend: (text: string) => boolean;
}

/** The room's chat: names as the server stamped them, times in local time. */
export function ChatPanel({ messages, connected, allowed, onSend }: ChatPanelProps) {
  const [draft, setDraft] = useState("");
  const listRef = useRef<HTMLOListElement>(null);
  const lastId = messages[messages.length - 1]?.id;

  useEffect(() => {
    const list = listRef.current;
    if (list !== null && lastId !== undefined) list.scrollTop = list.scrollHeight;
  }, [lastId]);

  const submit = (event: Event) => {
    event.preventDefault();
    if (draft.trim() === "") return;
    if (onSend(draft)) setDraft("");
  };

  return (
    <section class="chat" aria-label={t("call.chat")}>
      <ol class="chat-list" ref={listRef} aria-live="polite" aria-relevant="additions">
        {messages.length === 0 && <li class="chat-empty">{t("chat.empty")}</li>}
        {messages.map((message) => (
          <li key={message.id} class={`chat-message${message.isLocal ? " chat-own" : ""}`} data-from={message.from}>
            <div class="chat-meta">
              <span class="chat-from">{message.isLocal ? t("tile.you", { name: message.name }) : message.name}</span>
              <time dateTime={message.timestamp}>{localTime(message.timestamp)}</time>
            </div>
            <p class="chat-text">{message.text}</p>
          </li>
        ))}
      </ol>
      <form class="chat-form" onSubmit={submit}>
        <label class="visually-hidden" htmlFor="chat-input">
          {t("chat.message")}
        </label>
        <input
          id="chat-input"
          type="text"
          autocomplete="off"
          placeholder={!allowed ? t("chat.notAllowed") : connected ? t("chat.placeholder") : t("chat.reconnecting")}
          disabled={!allowed}
          maxLength={CHAT_TEXT_MAX_LENGTH}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button
          type="submit"
          class="icon-button"
          aria-label={t("chat.send")}
          aria-describedby={allowed && !connected ? "chat-paused" : undefined}
          disabled={!allowed || !connected || draft.trim() === ""}
        >
          <SendIcon />
        </button>
      </form>
      {allowed && !connected && (
        <p class="chat-paused" id="chat-paused" data-testid="chat-paused">
          {t("reconnect.chatPaused")}
        </p>
      )}
    </section>
  );
}
