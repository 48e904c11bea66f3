/* The message renderer, shared by the loader (inlined by scripts/build-loader.mjs) and the npm
 * package (dist/npm/render.js). The widget decides what to show; this only draws it, in a closed
 * shadow root: text nodes only (never innerHTML), links and images already checked by the core
 * (http(s) or relative), no layout shift of the host page (banners, toasts and modals hang from a
 * fixed, zero-sized host element; an inline badge follows its target element), announced to
 * screen readers, keyboard operable (a modal traps focus, Escape closes it, focus goes back where
 * it was). It lives in JS because DOM building through wasm bindings cost every shopper about
 * 4 KB more gzip than these lines.
 *
 * shopcueRender(view, on) draws `view`, the widget's JSON text:
 *   { message: {id, scenario_id, placement, title, body, cta: {label, url}, image, target,
 *               stores: [{id, label}]},   — as on('message') sees it
 *     still,                              — shown again in place: no second slide-in
 *     lang, labels: {notice, close, choose_store, use_store, locate},
 *     theme: [[custom property, value]],  — values checked by the core: no ; braces or "
 *     dock }                              — banner_top_below: the site header's selector
 * and calls on(kind, message id, store) for 'click', 'dismiss', 'impression' (an inline badge
 * half in view) and 'pick' (a store id, or null for "use my location"). It returns the
 * message's control: control(0) takes it off the page, control(1) focuses its first control,
 * control(2) tells whether keyboard focus is inside it. It throws when the message cannot be
 * placed (no body, an inline target not on the page); the widget then logs a warning. */
var shopcueRender = (function () {
  var CSS = ':host{all:initial}' +
    '.sc{box-sizing:border-box;position:fixed;left:0;right:0;bottom:0;margin:0 auto;max-width:960px;display:flex;align-items:center;gap:12px;padding:12px 16px;background:var(--shopcue-bg,#1f2937);color:var(--shopcue-fg,#fff);font:14px/1.5 var(--shopcue-font,system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif);border-radius:var(--shopcue-radius,10px) var(--shopcue-radius,10px) 0 0;box-shadow:0 -4px 18px rgba(0,0,0,.25);animation:in .2s ease-out}' +
    '.sc.top{top:0;bottom:auto;border-radius:0 0 var(--shopcue-radius,10px) var(--shopcue-radius,10px)}' +
    '.t{flex:1;min-width:0;overflow-wrap:anywhere}' +
    '.img{flex:none;width:48px;height:48px;object-fit:cover;border-radius:6px;background:rgba(255,255,255,.12)}' +
    '.sc.inline .img{display:none}' +
    '.title{display:block;font-weight:700}' +
    '.body{display:block;opacity:.85}' +
    '.cta{flex:none;background:var(--shopcue-accent,#f59e0b);color:var(--shopcue-accent-fg,#111827);padding:8px 14px;border-radius:6px;text-decoration:none;font-weight:700}' +
    '.x{flex:none;background:none;border:0;color:inherit;font:inherit;font-size:22px;line-height:1;cursor:pointer;padding:6px 10px;border-radius:6px}' +
    '.x:hover{background:rgba(255,255,255,.12)}' +
    ':focus-visible{outline:3px solid var(--shopcue-focus,#60a5fa);outline-offset:2px}' +
    '.sc.toast{inset-inline-start:auto;inset-inline-end:16px;bottom:16px;max-width:380px;border-radius:var(--shopcue-radius,10px);box-shadow:0 6px 24px rgba(0,0,0,.3)}' +
    '.ov{position:fixed;inset:0;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:center;padding:16px}' +
    '.sc.modal{position:relative;left:auto;right:auto;bottom:auto;max-width:min(480px,100%);flex-wrap:wrap;padding:24px;border-radius:var(--shopcue-radius,12px)}' +
    '.sc.modal .t{flex-basis:calc(100% - 48px)}' +
    '.sc.inline{position:static;display:inline-flex;max-width:none;gap:4px;padding:2px 4px 2px 10px;font-size:12px;border-radius:999px;box-shadow:none;background:var(--shopcue-badge-bg,#b91c1c);vertical-align:middle;animation:none;margin:0;margin-inline-start:.5em}' +
    '.sc.inline .title{font-weight:700}.sc.inline .body,.sc.inline .cta{display:none}.sc.inline .x{font-size:14px;padding:0 6px}' +
    '.sc.pick{flex-wrap:wrap}.row{order:1;flex-basis:100%;display:flex;flex-wrap:wrap;gap:8px;align-items:center}' +
    '.row select{font:inherit;color:#111827;background:#fff;border:0;border-radius:6px;padding:7px 8px;max-width:100%;min-width:0;flex:1 1 12em}' +
    '.row button{font:inherit;cursor:pointer;border-radius:6px;padding:7px 12px}.row .cta{border:0}.row .loc{background:none;color:inherit;border:1px solid currentColor}' +
    '@media (prefers-color-scheme:dark){.sc.modal,.sc.toast{background:var(--shopcue-bg,#111827)}}' +
    '@keyframes in{from{opacity:0}}' +
    '@media (prefers-reduced-motion:reduce){.sc{animation:none}}.sc.still{animation:none}' +
    '@media (max-width:600px){.sc{flex-wrap:wrap;border-radius:0}.t{flex-basis:calc(100% - 48px)}.sc.toast{left:8px;right:8px;bottom:8px;max-width:none;border-radius:var(--shopcue-radius,10px)}.sc.inline{flex-wrap:nowrap;border-radius:999px}.sc.modal{border-radius:var(--shopcue-radius,12px)}}';
  // Only own members count: a page may have added enumerable members to Object.prototype (its
  // own scripts or an old library), and those must not become attributes or message fields.
  var has = Object.prototype.hasOwnProperty, parse = JSON.parse;
  function bare(key, v) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    var o = Object.create(null);
    for (var k in v) if (has.call(v, k)) o[k] = v[k];
    return o;
  }
  var CLASS = bare('', { 'banner-top': 'sc top', toast: 'sc toast', modal: 'sc modal', inline: 'sc inline' });
  // The host element's own declarations, each !important against the page's style sheets.
  var FIXED = [['display', 'block'], ['position', 'fixed'], ['width', '0'], ['height', '0'], ['z-index', '2147483647']];
  var INLINE = [['display', 'inline-block'], ['vertical-align', 'middle']];
  var sheet = null;

  return function (view, on) {
    view = parse(view, bare);
    var w = window, doc = w.document, m = view.message, labels = view.labels, id = m.id;
    var body = doc.body, i;
    if (!body) throw new Error('no body');
    // An element with attributes and, when `text` is given, one text node: never parsed as HTML.
    function el(tag, cls, parent, text, attrs) {
      var e = doc.createElement(tag);
      if (cls) e.className = cls;
      for (var name in attrs) if (has.call(attrs, name)) e.setAttribute(name, attrs[name]);
      if (text != null) e.appendChild(doc.createTextNode(text));
      if (parent) parent.appendChild(e);
      return e;
    }
    function listen(target, kind, f) { target.addEventListener(kind, f); }
    function report(kind, store) { return function () { on(kind, id, store); }; }

    var target = m.target ? doc.querySelector(m.target) : null;
    if (m.target && !target) throw new Error('inline target not on the page');
    var host = el('shopcue-message', '', null, null, { 'data-shopcue-scenario': m.scenario_id });
    // Styles go through the CSSOM, never a style attribute or a <style> element, so that a page
    // whose CSP allows no inline styles (style-src 'self') shows messages as designed: neither
    // element.style nor a constructed style sheet is subject to style-src.
    var decls = [['all', 'initial']].concat(target ? INLINE : FIXED);
    for (i = 0; i < decls.length; i++) host.style.setProperty(decls[i][0], decls[i][1], 'important');
    for (i = 0; i < view.theme.length; i++) host.style.setProperty(view.theme[i][0], view.theme[i][1]);
    var root = host.attachShadow({ mode: 'closed' });
    if (root.adoptedStyleSheets && w.CSSStyleSheet) {
      if (!sheet) (sheet = new w.CSSStyleSheet()).replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      el('style', '', root, CSS); // browsers before constructed style sheets (Safari < 16.4)
    }

    var modal = m.placement === 'modal';
    var bar = el('div', (CLASS[m.placement] || 'sc') + (m.stores ? ' pick' : '') + (view.still ? ' still' : ''), null, null,
      modal ? { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'shopcue-title' } : { role: 'region', 'aria-label': labels.notice });
    bar.setAttribute('lang', view.lang);
    bar.setAttribute('data-placement', m.placement);
    // A live region that exists before its text is added, so screen readers announce it. Its
    // text, the button's and the store picker's read in their own direction (dir=auto: from their
    // first strong letter), whatever the page's: Japanese on a right-to-left page keeps its 。 at
    // the end, Arabic on a left-to-right page reads from the right. The layout still mirrors with
    // the page.
    var live = el('div', 't', bar, null, { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', dir: 'auto' });
    if (m.image) {
      // Fixed size, so the message never reflows when the picture arrives; decorative (the title
      // names the item), so screen readers skip it.
      bar.insertBefore(el('img', 'img', null, null, { alt: '', width: '48', height: '48', loading: 'lazy',
        decoding: 'async', referrerpolicy: 'no-referrer', src: m.image }), live);
    }
    var overlay = modal ? el('div', 'ov', root) : root;
    overlay.appendChild(bar);
    if (target) target.after(host);
    else body.appendChild(host);

    el('strong', 'title', live, m.title, { id: 'shopcue-title' });
    if (m.body != null) el('span', 'body', live, m.body);
    if (m.cta) listen(el('a', 'cta', bar, m.cta.label, { href: m.cta.url, dir: 'auto' }), 'click', report('click'));
    var close = el('button', 'x', bar, '\u00d7', { type: 'button' });
    if (m.stores) {
      // "Choose your store": the stores that have the item, a button to confirm, and one to use
      // the shopper's position instead (their click lets the browser ask).
      var row = el('div', 'row', null, null, { dir: 'auto' });
      var select = el('select', '', row, null, { 'aria-label': labels.choose_store });
      for (i = 0; i < m.stores.length; i++) el('option', '', select, m.stores[i].label, { value: m.stores[i].id });
      listen(el('button', 'cta', row, labels.use_store, { type: 'button' }), 'click', function () { on('pick', id, select.value); });
      if (w.navigator.geolocation && typeof w.navigator.geolocation === 'object') {
        listen(el('button', 'loc', row, labels.locate, { type: 'button' }), 'click', report('pick', null));
      }
      // Before the close button for the keyboard, after it on screen (CSS `order`).
      bar.insertBefore(row, close);
    }
    close.setAttribute('aria-label', labels.close);
    listen(close, 'click', report('dismiss'));

    var returnFocus = null;
    if (modal) {
      // The backdrop closes the dialog; Escape closes it; Tab stays inside it.
      listen(overlay, 'click', function (e) { if (!bar.contains(e.target)) on('dismiss', id); });
      var focusables = bar.querySelectorAll('a,button,select');
      var first = focusables[0], last = focusables[focusables.length - 1];
      listen(host, 'keydown', function (e) {
        if (e.key === 'Escape') {
          e.preventDefault();
          on('dismiss', id);
        } else if (e.key === 'Tab' || e.code === 'Tab') { // WebKitGTK names Shift+Tab's key "Unidentified"
          var edge = e.shiftKey ? first : last;
          if (!edge || !root.activeElement || edge === root.activeElement) {
            e.preventDefault();
            if (first) (e.shiftKey ? last : first).focus();
          }
        }
      });
      returnFocus = doc.activeElement;
      if (first) first.focus();
    }

    // An inline badge may be out of view: its impression waits until half of it is visible.
    var observer = null;
    if (target) {
      observer = new w.IntersectionObserver(function (entries) {
        for (var k = 0; k < entries.length; k++) if (entries[k].isIntersecting) return on('impression', id);
      }, { threshold: 0.5 });
      observer.observe(host);
    }
    // A banner-top docked below the site's header: just below it while it is in view, at the top
    // of the window once it scrolled away, so the store's logo and cart link stay uncovered.
    var header = null, place = null;
    try { header = view.dock && m.placement === 'banner-top' && doc.querySelector(view.dock); } catch (e) { /* invalid */ }
    if (header) {
      place = function () { bar.style.top = Math.round(Math.max(0, header.getBoundingClientRect().bottom)) + 'px'; };
      place();
      listen(w, 'scroll', place);
      listen(w, 'resize', place);
    }
    var firstControl = bar.querySelector('select,a,button');

    return function control(op) {
      if (op === 1) return void (firstControl && firstControl.focus());
      if (op === 2) return doc.activeElement === host;
      if (observer) observer.disconnect();
      if (place) {
        w.removeEventListener('scroll', place);
        w.removeEventListener('resize', place);
      }
      var wasOn = host.isConnected;
      host.remove();
      if (wasOn && returnFocus && returnFocus.focus) returnFocus.focus();
    };
  };
})();
