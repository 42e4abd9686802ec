// The URL hash as "key=value" pairs joined by '&': the Experiment ("exp=…",
// base64url, so it never holds '&' or '=') beside the lesson's own keys
// ("lesson", "step", "present", "preset"). Pure logic.

/** Keys the lab knows besides "exp"; any other key makes the hash unknown. */
export const LESSON_KEYS = ['lesson', 'step', 'present', 'preset'] as const;
export type LessonKey = (typeof LESSON_KEYS)[number];
export type LessonParams = Partial<Record<LessonKey, string>>;

export interface HashParts {
  /** "exp=…" exactly as share-codec reads it, or null. */
  exp: string | null;
  lesson: LessonParams;
  /** Some part is neither the experiment nor a lesson key. */
  unknown: boolean;
}

const MAX_VALUE = 64;

export function splitHash(hash: string): HashParts {
  const out: HashParts = { exp: null, lesson: {}, unknown: false };
  const h = hash.replace(/^#/, '');
  if (!h) return out;
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (key === 'exp') out.exp = part;
    else if ((LESSON_KEYS as readonly string[]).includes(key) && value.length <= MAX_VALUE && /^[\w-]*$/.test(value)) out.lesson[key as LessonKey] = value;
    else out.unknown = true;
  }
  return out;
}

/** The hash (without '#') for these lesson keys and this experiment part; '' when both are empty. */
export function joinHash(lesson: LessonParams, exp: string | null): string {
  const parts: string[] = [];
  for (const key of LESSON_KEYS) {
    const v = lesson[key];
    if (v !== undefined && v !== '') parts.push(`${key}=${v}`);
  }
  if (exp) parts.push(exp);
  return parts.join('&');
}

/** The lesson keys of the page's own hash. */
export function currentLessonParams(): LessonParams {
  return typeof location === 'undefined' ? {} : splitHash(location.hash).lesson;
}

/** Rewrite the lesson keys of the page's hash (no new history entry), keeping the experiment. */
export function writeLessonParams(lesson: LessonParams): void {
  const { exp } = splitHash(location.hash);
  const h = joinHash(lesson, exp);
  const next = h ? `#${h}` : location.pathname + location.search;
  if ((h ? `#${h}` : '') !== location.hash) history.replaceState(history.state, '', next);
}
