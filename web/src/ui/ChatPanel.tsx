import { CHAT_TEXT_MAX_LENGTH } from "@huddle/protocol";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatEntry } from "../call/Room.ts";
import { SendIcon } from "./icons.tsx";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** Server timestamp (ISO 8601) shown in the reader's local time. */
export function localTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeFormat.format(date);
}

interface ChatPanelProps {
  messages: ChatEntry[];
  connected: boolean;
  onSend: (text: string) => boolean;
}

/** The room's chat: names as the server stamped them, times in local time. */
export function ChatPanel({ messages, connected, onSend }: ChatPanelProps) {
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
    <section class="chat" aria-label="Chat">
      <ol class="chat-list" ref={listRef} aria-live="polite" aria-relevant="additions">
        {messages.length === 0 && <li class="chat-empty">No messages yet. Say hello!</li>}
        {messages.map((message) => (
          <li key={message.id} class={`chat-message${message.isLocal ? " chat-own" : ""}`} data-from={message.from}>
            <div class="chat-meta">
              <span class="chat-from">{message.isLocal ? `${message.from} (you)` : message.from}</span>
              <time dateTime={message.timestamp}>{localTime(message.timestamp)}</time>
            </div>
            <p class="chat-text">{message.text}</p>
          </li>
        ))}
      </ol>
      <form class="chat-form" onSubmit={submit}>
        <label class="visually-hidden" htmlFor="chat-input">
          Message
        </label>
        <input
          id="chat-input"
          type="text"
          autocomplete="off"
          placeholder={connected ? "Send a message to everyone" : "Reconnecting…"}
          maxLength={CHAT_TEXT_MAX_LENGTH}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button
          type="submit"
          class="icon-button"
          aria-label="Send message"
          disabled={!connected || draft.trim() === ""}
        >
          <SendIcon />
        </button>
      </form>
    </section>
  );
}
