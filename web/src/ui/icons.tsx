import type { ComponentChildren } from "preact";

/** Stroke icons on a 24x24 grid (shapes after Lucide, ISC). Decorative: the button carries the label. */
function Svg({ children, filled = false }: { children: ComponentChildren; filled?: boolean }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      aria-hidden="true"
      focusable="false"
      fill={filled ? "currentColor" : "none"}
      stroke={filled ? "none" : "currentColor"}
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {children}
    </svg>
  );
}

const slash = <path d="M2 2l20 20" />;

export const MicIcon = ({ off = false }: { off?: boolean }) => (
  <Svg>
    <path d="M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Z" />
    <path d="M19 10v2a7 7 0 0 1-14 0v-2" />
    <path d="M12 19v3" />
    {off && slash}
  </Svg>
);

export const CameraIcon = ({ off = false }: { off?: boolean }) => (
  <Svg>
    <path d="m16 13 5.2 3.5a.5.5 0 0 0 .8-.4V7.9a.5.5 0 0 0-.8-.4L16 10.5" />
    <rect x="2" y="6" width="14" height="12" rx="2" />
    {off && slash}
  </Svg>
);

export const ScreenIcon = () => (
  <Svg>
    <rect x="2" y="3" width="20" height="14" rx="2" />
    <path d="M8 21h8M12 17v4M9 10l3-3 3 3M12 7v6" />
  </Svg>
);

export const ChatIcon = () => (
  <Svg>
    <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
  </Svg>
);

export const PeopleIcon = () => (
  <Svg>
    <path d="M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2" />
    <circle cx="9" cy="7" r="4" />
    <path d="M22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75" />
  </Svg>
);

export const LeaveIcon = () => (
  <Svg filled>
    <path d="M2.5 14.6c5.4-4.8 13.6-4.8 19 0 .5.4.5 1.2 0 1.6l-2 1.8c-.4.4-1 .4-1.4.1l-2.4-1.7a1 1 0 0 1-.4-.8v-2.1a13 13 0 0 0-6.6 0v2.1c0 .3-.2.6-.4.8l-2.4 1.7c-.4.3-1 .3-1.4-.1l-2-1.8a1.1 1.1 0 0 1 0-1.6Z" />
  </Svg>
);

export const LinkIcon = () => (
  <Svg>
    <path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71" />
    <path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71" />
  </Svg>
);

export const CloseIcon = () => (
  <Svg>
    <path d="M18 6 6 18M6 6l12 12" />
  </Svg>
);

export const SendIcon = () => (
  <Svg>
    <path d="m22 2-7 20-4-9-9-4Z" />
    <path d="M22 2 11 13" />
  </Svg>
);

export const PinIcon = () => (
  <Svg>
    <path d="M12 17v5" />
    <path d="M9 10.76a2 2 0 0 1-1.11 1.79l-1.78.9A2 2 0 0 0 5 15.24V16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-.76a2 2 0 0 0-1.11-1.79l-1.78-.9A2 2 0 0 1 15 10.76V7a1 1 0 0 1 1-1 2 2 0 0 0 0-4H8a2 2 0 0 0 0 4 1 1 0 0 1 1 1z" />
  </Svg>
);

export const GridIcon = () => (
  <Svg>
    <rect x="3" y="3" width="7" height="7" rx="1" />
    <rect x="14" y="3" width="7" height="7" rx="1" />
    <rect x="3" y="14" width="7" height="7" rx="1" />
    <rect x="14" y="14" width="7" height="7" rx="1" />
  </Svg>
);

export const SpeakerViewIcon = () => (
  <Svg>
    <rect x="3" y="3" width="18" height="12" rx="1" />
    <rect x="3" y="18" width="5" height="3" rx="0.5" />
    <rect x="9.5" y="18" width="5" height="3" rx="0.5" />
    <rect x="16" y="18" width="5" height="3" rx="0.5" />
  </Svg>
);
