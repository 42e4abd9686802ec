// How the collapse chart tells its lines apart: the Okabe–Ito palette (safe
// for the common colour-vision deficiencies) and a dash pattern per role, so
// every line differs in colour and in dash from the others in its role, and
// the roles differ by dash alone (readable in greyscale). Pure logic.
import type { MethodName } from '../models/method-names.ts';

/** Okabe & Ito (2008), "Color Universal Design": the series colours, in order. Yellow is left out (too light on white). */
export const OKABE_ITO = {
  blue: '#0072B2',
  orange: '#E69F00',
  bluishGreen: '#009E73',
  reddishPurple: '#CC79A7',
  skyBlue: '#56B4E9',
  black: '#000000',
  vermillion: '#D55E00',
} as const;

const LINE_COLORS = [OKABE_ITO.blue, OKABE_ITO.orange, OKABE_ITO.bluishGreen, OKABE_ITO.reddishPurple, OKABE_ITO.skyBlue, OKABE_ITO.black];
/** Collapsed points and the collapse threshold: the one colour no line uses. */
export const COLLAPSED_COLOR = OKABE_ITO.vermillion;
/** The unedited baseline's reference line: neutral, so it is not mistaken for a series. */
export const BASELINE_COLOR = '#5f6675';

export interface LineStyle {
  color: string;
  /** SVG stroke-dasharray; undefined draws a solid line. */
  dash: string | undefined;
  width: number;
}

/** Dash by role: ME-PPL solid (live) or long dashes (frozen); accuracy dotted (live) or dash-dot (frozen). */
const DASH = { ppl: { live: undefined, frozen: '8 4' }, task: { live: '2 3', frozen: '8 3 2 3' } } as const;

/** Each method's ME-PPL colour, so a method keeps its colour when a comparison adds curves. */
export const METHOD_COLORS: Readonly<Record<MethodName, string>> = {
  rome: OKABE_ITO.blue,
  'c-rome': OKABE_ITO.bluishGreen,
  memit: OKABE_ITO.orange,
  alphaedit: OKABE_ITO.reddishPurple,
  'ft-l': OKABE_ITO.skyBlue,
  mend: OKABE_ITO.black,
};

/**
 * Styles for each series' ME-PPL line and each (series, task) accuracy line.
 * An ME-PPL line takes its method's colour (the next free one when an
 * earlier curve of the same method holds it); accuracy lines take the
 * palette's free colours in order, so no two lines share a colour until the
 * palette is used up.
 */
export function lineStyles(series: ReadonlyArray<{ frozen: boolean; method?: MethodName }>, tasks: readonly string[]): { ppl: LineStyle[]; task: LineStyle[][] } {
  const used = new Set<string>();
  const free = () => LINE_COLORS.find((c) => !used.has(c)) ?? LINE_COLORS[used.size % LINE_COLORS.length]!;
  const take = (c: string) => (used.add(c), c);
  const ppl = series.map((s) => {
    const own = s.method ? METHOD_COLORS[s.method] : undefined;
    return { color: take(own && !used.has(own) ? own : free()), dash: s.frozen ? DASH.ppl.frozen : DASH.ppl.live, width: s.frozen ? 2 : 2.5 };
  });
  const task = series.map((s) => tasks.map(() => ({ color: take(free()), dash: s.frozen ? DASH.task.frozen : DASH.task.live, width: 2 })));
  return { ppl, task };
}

/**
 * The accuracy axis: 0–100 % with room below 0 and above 100 %, so a series
 * at 0 % (or 100 %) is drawn clear of the axis line and the frame.
 */
export const ACCURACY_DOMAIN: [number, number] = [-0.06, 1.06];
export const ACCURACY_TICKS = [0, 0.25, 0.5, 0.75, 1];
