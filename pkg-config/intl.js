/* The browser's Intl, and a few facts of the page, for the widget, shared by the loader (inlined by scripts/build-loader.mjs) and
 * the npm package (dist/npm/intl.js): the site's UTC offset in time zones with daylight saving,
 * and template filters in the locales the core does not format itself. Every answer is a number
 * or a string, or undefined when Intl is missing or patched, the zone unknown or the currency
 * unsupported: nothing here throws, and the core falls back to its own formatting. Asked through
 * these few lines instead of the JS bindings, it costs every shopper about 1.5 KB gzip less.
 *
 *   shopcueIntl.offset('America/New_York', Date.now())   // -300 or -240 (minutes east of UTC)
 *   shopcueIntl.format('currency', 19.9, 'de-DE', 'EUR') // "19,90 €"
 *   shopcueIntl.device()                                  // "mobile", "tablet" or "desktop"
 *   shopcueIntl.traffic('https://shop.example/?utm_source=line&utm_medium=social', '') // "line\nsocial\n"
 * Kinds of format: currency, number, percent, km, date (ms since the epoch, shown in UTC), days
 * (relative: -1 "yesterday", 1 "tomorrow"). */
var shopcueIntl = {
  offset: function (zone, ms) {
    try {
      var at = {}, parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
        month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(ms));
      for (var i = 0; i < parts.length; i++) at[parts[i].type] = +parts[i].value;
      var minutes = (Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute) - Math.floor(ms / 60000) * 60000) / 60000;
      return isFinite(minutes) ? minutes : undefined;
    } catch (e) { return undefined; }
  },
  format: function (kind, value, locale, currency) {
    try {
      var text = kind === 'date'
        ? new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(value))
        : kind === 'days'
          ? new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(value, 'day')
          : new Intl.NumberFormat(locale, {
            currency: { style: 'currency', currency: currency },
            number: { maximumFractionDigits: 0 },
            percent: { style: 'percent' },
            km: { style: 'unit', unit: 'kilometer', minimumFractionDigits: 1, maximumFractionDigits: 1 }
          }[kind]).format(value);
      return typeof text === 'string' ? text : undefined;
    } catch (e) { return undefined; }
  },
  // What the shopper browses on (page.device): desktop where the main pointer is fine (a mouse, a
  // trackpad), else mobile on a screen under 600 CSS pixels each way, else tablet.
  device: function () {
    try {
      return !matchMedia('(pointer: coarse)').matches ? 'desktop' : Math.min(screen.width, screen.height) < 600 ? 'mobile' : 'tablet';
    } catch (e) { return undefined; }
  },
  // Where a visit landing on `href` from `referrer` (this page's and document.referrer when not
  // given) came from, as Google Analytics names it (visitor.session_source, _medium, _campaign),
  // one per line: its utm_ tags; else an ad's click id (google, bing or yahoo / cpc); else the
  // search engine's name / organic; else the linking site's host / referral (a link within the
  // site says nothing); else (direct) / (none). A tag is cut at 100 characters: every event
  // carries them.
  traffic: function (href, referrer) {
    function host(url) { try { return new URL(url).hostname.replace(/^www\./, ''); } catch (e) { return ''; } }
    try {
      href = href || location.href;
      var q = new URL(href).searchParams, tag = function (k) { return (q.get(k) || '').replace(/[\r\n]/g, ' ').slice(0, 100); },
        source = tag('utm_source'), medium = source ? tag('utm_medium') || '(not set)' : '', from = host(referrer === undefined ? document.referrer : referrer),
        ids = [['gclid', 'google'], ['msclkid', 'bing'], ['yclid', 'yahoo']];
      for (var i = 0; i < ids.length && !source; i++) if (q.has(ids[i][0])) { source = ids[i][1]; medium = 'cpc'; }
      var engine = /(?:^|\.)(google|bing|yahoo|duckduckgo|baidu|yandex|naver|ecosia)\./.exec(from);
      if (!source && from && from !== host(href)) {
        source = engine ? engine[1] : from;
        medium = engine ? 'organic' : 'referral';
      }
      return (source || '(direct)') + '\n' + (medium || '(none)') + '\n' + tag('utm_campaign');
    } catch (e) { return undefined; }
  }
};
