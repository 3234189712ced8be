import { describe, expect, it } from 'vitest';
import { place } from '../../packages/element/src/place';

// Where <edge-inbox> puts its popover (wide screens; the browser tests check it in Chromium too): the cases a page's
// layout makes, including the ones a browser test does not reach easily (a bell scrolled out of sight).

const VIEW = { width: 1024, height: 640 };
const PANEL = { width: 360, height: 480 };
/** A 40 px bell with its top-left corner at (x, y). */
const bell = (x: number, y: number) => ({ left: x, top: y, right: x + 40, bottom: y + 40 });

describe('place', () => {
  it('opens under the bell, aligned with its right edge', () => {
    expect(place(bell(600, 10), PANEL, VIEW, false)).toEqual({ top: 58, left: 280, room: 574 });
  });

  it('aligns with the left edge with placement=left', () => {
    expect(place(bell(600, 10), PANEL, VIEW, true)).toEqual({ top: 58, left: 600, room: 574 });
  });

  it('shifts in from either edge of the viewport, 8 px from it', () => {
    expect(place(bell(0, 10), PANEL, VIEW, false).left).toBe(8);
    expect(place(bell(984, 10), PANEL, VIEW, true).left).toBe(1024 - 8 - 360);
  });

  it('opens upward, held by its bottom edge, when it does not fit below and there is more room above', () => {
    expect(place(bell(600, 580), PANEL, VIEW, false)).toEqual({ bottom: 68, left: 280, room: 564 });
  });

  it('stays below when it fits there, however much room there is above', () => {
    expect(place(bell(600, 300), { width: 360, height: 200 }, VIEW, false)).toEqual({ top: 348, left: 280, room: 284 });
  });

  it("takes the larger side when it fits on neither, and is given that side's height", () => {
    expect(place(bell(600, 200), PANEL, VIEW, false)).toEqual({ top: 248, left: 280, room: 384 });
    expect(place(bell(600, 400), PANEL, VIEW, false)).toEqual({ bottom: 248, left: 280, room: 384 });
  });

  it('keeps to the viewport when the bell has scrolled out of sight above or below', () => {
    expect(place(bell(600, -200), PANEL, VIEW, false)).toEqual({ top: 8, left: 280, room: 624 });
    expect(place(bell(600, 900), PANEL, VIEW, false)).toEqual({ bottom: 8, left: 280, room: 624 });
  });
});
