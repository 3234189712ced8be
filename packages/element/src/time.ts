const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['week', 604_800],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "yesterday", in the page's language. */
export function relativeTime(iso: string, now: number, locale?: string): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  const format = formatFor(locale);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, 'second');
}

const formats = new Map<string | undefined, Intl.RelativeTimeFormat>();
// Made once per language: a panel refreshes every row's time together.
function formatFor(locale?: string): Intl.RelativeTimeFormat {
  let format = formats.get(locale);
  if (!format) formats.set(locale, (format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })));
  return format;
}
