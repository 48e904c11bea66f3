// The host side of the Shopcue tools wasm's one import, `intl.format`: the browser's (or
// Node's) Intl formats the locales the core does not format itself, exactly as the widget's
// shell does (crates/shopcue-wasm/src/intl.rs), so the playground previews a de-DE store's
// "12.800,00 €" as shoppers will see it. Used by www/playground.js and
// scripts/bench-conditions.mjs.

const FORMATS = [
  (locale, n, currency) => new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n),
  (locale, n) => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n),
  (locale, n) => new Intl.NumberFormat(locale, { style: 'percent' }).format(n),
  (locale, n) => new Intl.NumberFormat(locale, {
    style: 'unit', unit: 'kilometer', minimumFractionDigits: 1, maximumFractionDigits: 1,
  }).format(n),
  (locale, ms) => new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(ms)),
  (locale, days) => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day'),
];

/** The import object for the tools wasm; `memory()` returns its memory once instantiated. */
export function intlImports(memory) {
  const decoder = new TextDecoder();
  const text = (ptr, len) => decoder.decode(new Uint8Array(memory().buffer, ptr, len));
  return {
    intl: {
      format(kind, value, textPtr, textLen, localePtr, localeLen, out, cap) {
        try {
          const formatted = FORMATS[kind](text(localePtr, localeLen), value, text(textPtr, textLen));
          const bytes = new TextEncoder().encode(formatted);
          if (bytes.length > cap) return -1;
          new Uint8Array(memory().buffer, out, bytes.length).set(bytes);
          return bytes.length;
        } catch {
          return -1; // a malformed currency or locale: the core falls back to its own formatting
        }
      },
    },
  };
}

/** Minutes `timeZone` is ahead of UTC at `ms` (540 for Asia/Tokyo); `null` for an unknown zone. */
export function utcOffsetMinutes(timeZone, ms) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    }).formatToParts(new Date(ms));
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(ms / 60000) * 60000) / 60000);
  } catch {
    return null;
  }
}
