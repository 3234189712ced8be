/**
 * Where the popover panel goes (wide screens; below 480 px the stylesheet makes it a sheet and ignores this):
 * under the bell, or over it when only there is more room; aligned with the bell's right edge (`left`: its left
 * edge), then shifted to stay 8 px inside the viewport. @floating-ui/dom does this and more, but at 6.8 KiB
 * min+gzip it would put the element over its 15 KiB budget; this is the part the panel needs.
 */
const GAP = 8;
const MARGIN = 8;

export interface Placement {
  /** The panel's edges from the viewport's: `top` when it opens downward, `bottom` when upward. */
  top?: number;
  bottom?: number;
  left: number;
  /** The height it may take on that side. */
  room: number;
}

/** The bell's box in the viewport (a DOMRect). */
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function place(bell: Box, panel: { width: number; height: number }, view: { width: number; height: number }, alignLeft: boolean): Placement {
  const below = view.height - bell.bottom - GAP - MARGIN;
  const above = bell.top - GAP - MARGIN;
  const preferred = alignLeft ? bell.left : bell.right - panel.width;
  const left = Math.max(MARGIN, Math.min(preferred, view.width - MARGIN - panel.width));
  // Opening upward, the panel is held by its bottom edge, so that rows arriving while it is open grow it upward.
  // A bell scrolled out of sight leaves the panel at the viewport's edge rather than outside it.
  if (panel.height > below && above > below) {
    const bottom = Math.max(view.height - bell.top + GAP, MARGIN);
    return { bottom, left, room: view.height - bottom - MARGIN };
  }
  const top = Math.max(bell.bottom + GAP, MARGIN);
  return { top, left, room: view.height - top - MARGIN };
}
