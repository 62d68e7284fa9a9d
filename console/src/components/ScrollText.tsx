// Preformatted text in a box that scrolls (envelopes, task results, RPCs): focusable, so that keyboard
// users can scroll it too, and named, so that screen readers say what it holds when it takes focus.

import type { ComponentChildren } from "preact";

export function ScrollText({ label, class: className, testId, children }: { label: string; class: string; testId?: string; children: ComponentChildren }) {
  return (
    <pre class={className} tabIndex={0} role="region" aria-label={label} data-testid={testId}>
      {children}
    </pre>
  );
}
