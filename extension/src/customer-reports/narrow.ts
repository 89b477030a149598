// The hub's tables in a narrow frame: at 400 % zoom (1280 px wide: a 320 CSS px frame) or on a small
// screen, eight columns need about 780 px, so the frame scrolled sideways and the "…" menu sat off
// screen. Below that width each row shows its title with its facts (counts, severity, status, work item,
// dates) wrapped under it, and keeps its "…" menu (WCAG 1.4.10 Reflow).
import * as React from "react";

// The frame width the full table needs (its columns' widths and minimums, the page's padding).
const NARROW_QUERY = "(max-width: 799.98px)";

/** Whether the frame is too narrow for the full table; follows the frame as it is resized or zoomed. */
export function useNarrowFrame(): boolean {
  const [narrow, setNarrow] = React.useState(() => window.matchMedia(NARROW_QUERY).matches);
  React.useEffect(() => {
    const query = window.matchMedia(NARROW_QUERY);
    const follow = () => setNarrow(query.matches);
    follow();
    query.addEventListener("change", follow);
    return () => query.removeEventListener("change", follow);
  }, []);
  return narrow;
}
