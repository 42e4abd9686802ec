// Whether a horizontally scrollable box hides content to its left or right,
// kept current as it scrolls and resizes: the cue that a table scrolls
// sideways (a narrow phone shows only its first columns).
import { useEffect, useState, type RefObject } from 'react';

export interface ScrollCue {
  left: boolean;
  right: boolean;
}

export function useScrollCue(box: RefObject<HTMLElement | null>, deps: readonly unknown[]): ScrollCue {
  const [cue, setCue] = useState<ScrollCue>({ left: false, right: false });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setCue((c) => (c.left === left && c.right === right ? c : { left, right }));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const observer = new ResizeObserver(update);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => {
      el.removeEventListener('scroll', update);
      observer.disconnect();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [box, ...deps]);
  return cue;
}
