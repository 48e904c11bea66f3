// The arguments of a shopcue(…) call as JSON text, for the widget to parse in one go instead of
// reading each member across the JS–wasm boundary. Read as JSON.stringify would (own enumerable
// keys) but without calling it or any toJSON: a host page that patches JSON or defines
// Array.prototype.toJSON or Object.prototype members cannot bend what Shopcue reads. Functions
// and undefined members are left out (null in arrays); non-finite numbers, symbols, bigints,
// invalid dates and throwing getters become null, a Date its ISO text; nesting ends at 32 levels
// (cycles too) and each array or object at its first 10,000 members. Every UTF-16 surrogate is
// written as an escape, so a lone one reaches the widget as U+FFFD.
var shopcueValues = (function () {
  var kind = Object.prototype.toString, time = Date.prototype.getTime, iso = Date.prototype.toISOString;
  var special = /["\\\u0000-\u001f\ud800-\udfff]/, specials = /["\\\u0000-\u001f\ud800-\udfff]/g;
  function escape(c) { return '\\u' + (0x10000 + c.charCodeAt(0)).toString(16).slice(1); }
  function text(s) { return '"' + (special.test(s) ? s.replace(specials, escape) : s) + '"'; }
  function value(v, depth) {
    var t = typeof v;
    if (t === 'boolean') return v ? 'true' : 'false';
    if (t === 'number') return isFinite(v) ? '' + v : 'null';
    if (t === 'string') return text(v);
    if (v === null || t !== 'object' || depth >= 32) return 'null';
    try {
      var out, i, n, k, x, keys, first = true;
      // A Date of any frame; getTime throws for anything else that claims to be one.
      if (kind.call(v) === '[object Date]') return isFinite(time.call(v)) ? text(iso.call(v)) : 'null';
      if (Array.isArray(v)) {
        for (out = '[', i = 0, n = Math.min(v.length, 10000); i < n; i++) out += (i ? ',' : '') + value(v[i], depth + 1);
        return out + ']';
      }
      for (out = '{', keys = Object.keys(v), i = 0, n = Math.min(keys.length, 10000); i < n; i++) {
        k = keys[i];
        try { x = v[k]; } catch (e) { continue; }
        if (x === undefined || typeof x === 'function') continue;
        out += (first ? '' : ',') + text(k) + ':' + value(x, depth + 1);
        first = false;
      }
      return out + '}';
    } catch (e) { return 'null'; }
  }
  return function (args) {
    for (var all = '[', i = 0; i < args.length; i++) all += (i ? ',' : '') + value(args[i], 0);
    return all + ']';
  };
})();
