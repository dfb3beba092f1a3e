// The fleet's health grid, virtualised: one small tile per device laid out in rows, but only the
// rows in (or near) the grid's scrolled window are in the DOM, so 10,000 devices cost what a few
// hundred tiles cost (issue 18). One tab stop for the whole grid (a roving tabindex): the arrow
// keys move between tiles, Home/End to the row's ends, Ctrl+Home/End to the first and last,
// PageUp/PageDown by a window; Enter opens the device. The tile with focus is always rendered,
// even when scrolled away, so focus is never lost with it.
import { el } from '../format.ts';

export interface TileGrid {
  /** The scrolling container (append it where the grid goes). */
  readonly element: HTMLElement;
  /** The devices to show, in order; keeps the focused device focused if it is still among them. */
  setItems(ids: readonly string[]): void;
  /** Repaints one device's tile if it is rendered. */
  update(id: string): void;
  /** Repaints every rendered tile (what a tile says changed for all, e.g. the model names arrived). */
  repaint(): void;
  /** How many tiles are in the DOM (for tests and the benchmark). */
  renderedCount(): number;
  destroy(): void;
}

export interface TileGridOptions {
  id: string;
  label: string;
  href: (id: string) => string;
  /** Sets the tile's class, title, label and data attributes from the device's current state. */
  paint: (tile: HTMLAnchorElement, id: string) => void;
}

/** Tile size and gap in CSS px (style.css .tile: 14 px, .vgrid gap 3 px). */
const TILE = 14;
const GAP = 3;
const PITCH = TILE + GAP;
const PADDING = 8;
/** Rows rendered above and below the visible window, so a scroll does not show blanks first. */
const OVERSCAN_ROWS = 4;

export function tileGrid(opts: TileGridOptions): TileGrid {
  const element = el('div', { class: 'vgrid', id: opts.id, role: 'list', 'aria-label': opts.label });
  const canvas = el('div', { class: 'vgrid-canvas' });
  element.append(canvas);
  let items: readonly string[] = [];
  let index = new Map<string, number>();
  const rendered = new Map<string, HTMLAnchorElement>();
  /** The device with the grid's one tab stop (null: the first). */
  let active: string | null = null;
  let columns = 1;
  let pending = 0;

  const layout = () => {
    const width = element.clientWidth - 2 * PADDING;
    columns = Math.max(1, Math.floor((width + GAP) / PITCH));
    const rows = Math.ceil(items.length / columns);
    canvas.style.height = `${Math.max(0, rows * PITCH - GAP)}px`;
  };

  const activeIndex = () => {
    return Math.max(0, active === null ? -1 : (index.get(active) ?? -1));
  };

  const tileFor = (id: string, i: number) => {
    let tile = rendered.get(id);
    if (!tile) {
      tile = el('a', { href: opts.href(id), role: 'listitem', tabindex: '-1' });
      tile.dataset.deviceId = id;
      rendered.set(id, tile);
      canvas.append(tile);
      opts.paint(tile, id);
    }
    // aria-setsize/posinset: a screen reader hears "12 of 10,000" although few tiles exist.
    tile.setAttribute('aria-posinset', String(i + 1));
    tile.setAttribute('aria-setsize', String(items.length));
    tile.style.transform = `translate(${(i % columns) * PITCH}px, ${Math.floor(i / columns) * PITCH}px)`;
    return tile;
  };

  const render = () => {
    pending = 0;
    layout();
    const first = Math.max(0, Math.floor((element.scrollTop - PADDING) / PITCH) - OVERSCAN_ROWS);
    const last = Math.ceil((element.scrollTop + element.clientHeight) / PITCH) + OVERSCAN_ROWS;
    const from = first * columns;
    const to = Math.min(items.length, (last + 1) * columns);
    const keep = new Set<string>();
    for (let i = from; i < to; i++) {
      keep.add(items[i]);
      tileFor(items[i], i);
    }
    const focusIndex = activeIndex();
    if (items.length > 0) {
      const id = items[focusIndex];
      keep.add(id);
      tileFor(id, focusIndex);
    }
    for (const [id, tile] of rendered) {
      if (keep.has(id)) continue;
      tile.remove();
      rendered.delete(id);
    }
    for (const [id, tile] of rendered) tile.tabIndex = id === items[focusIndex] ? 0 : -1;
  };

  const schedule = () => {
    if (!pending) pending = requestAnimationFrame(render);
  };

  /** Moves focus to item `i`, scrolling its row into the window. */
  const focusAt = (i: number) => {
    if (items.length === 0) return;
    const target = Math.max(0, Math.min(items.length - 1, i));
    active = items[target];
    const top = PADDING + Math.floor(target / columns) * PITCH;
    if (top < element.scrollTop) element.scrollTop = top - PADDING;
    else if (top + TILE > element.scrollTop + element.clientHeight)
      element.scrollTop = top + TILE - element.clientHeight + PADDING;
    render();
    rendered.get(active)?.focus({ preventScroll: true });
  };

  element.addEventListener('keydown', (e) => {
    const i = activeIndex();
    const windowRows = Math.max(1, Math.floor(element.clientHeight / PITCH) - 1);
    const rowStart = i - (i % columns);
    const moves: Record<string, number> = {
      ArrowRight: i + 1,
      ArrowLeft: i - 1,
      ArrowDown: i + columns,
      ArrowUp: i - columns,
      Home: e.ctrlKey ? 0 : rowStart,
      End: e.ctrlKey ? items.length - 1 : Math.min(items.length - 1, rowStart + columns - 1),
      PageDown: i + windowRows * columns,
      PageUp: i - windowRows * columns,
    };
    const to = moves[e.key];
    if (to === undefined) return;
    e.preventDefault();
    // Up from the first row or down from the last stays put rather than wrapping.
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && (to < 0 || to >= items.length)) return;
    focusAt(to);
  });
  // A click (or a tile reached by a screen reader's own navigation) makes that tile the tab stop.
  element.addEventListener('focusin', (e) => {
    const id = (e.target as HTMLElement).dataset?.deviceId;
    if (id && id !== active) {
      active = id;
      for (const [k, tile] of rendered) tile.tabIndex = k === id ? 0 : -1;
    }
  });
  element.addEventListener('scroll', schedule, { passive: true });
  const resize = new ResizeObserver(schedule);
  resize.observe(element);

  return {
    element,
    setItems(ids) {
      items = ids;
      index = new Map(ids.map((id, i) => [id, i]));
      // Positions changed: repaint the rendered tiles at their new places on the next frame.
      render();
    },
    update(id) {
      const tile = rendered.get(id);
      if (tile) opts.paint(tile, id);
    },
    repaint() {
      for (const [id, tile] of rendered) opts.paint(tile, id);
    },
    renderedCount: () => rendered.size,
    destroy() {
      resize.disconnect();
      if (pending) cancelAnimationFrame(pending);
    },
  };
}
