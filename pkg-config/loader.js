/*! Shopcue loader — finds shopcue_bg.wasm next to this script, replays queued shopcue(…) calls in
 * order, then replaces window.shopcue with the live function. Harmless when included twice; when
 * WebAssembly cannot run it logs one warning and does nothing else. Never throws into the page. */
(function (w, NAME) {
  'use strict';
  var stub = w[NAME];
  if (stub && (stub.loaded || stub.loading)) return; // included twice: the first copy does the work
  if (!stub) {
    stub = w[NAME] = function () { (stub.q = stub.q || []).push(arguments); };
  }
  stub.loading = true;

  function log(level, args) {
    try { var c = w.console; c && c[level] && c[level].apply(c, args); } catch (e) { /* console patched away */ }
  }

  var script = document.currentScript;
  if (!script || !script.src) {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/shopcue(\.min)?\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  var base = script && script.src ? script.src : w.location.href;
  var wasmUrl = new URL('shopcue_bg.wasm', base).toString();

  function giveUp(reason) {
    stub.loading = false;
    stub.failed = true;
    stub.q = [];
    stub.push = undefined;
    log('warn', ['[shopcue] disabled: ' + reason]);
  }

  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    giveUp('this browser cannot run WebAssembly');
    return;
  }

  var bindings = /*__SHOPCUE_GLUE__*/ null;

  bindings({ module_or_path: wasmUrl }).then(function () {
    var live = function (name) {
      try {
        return bindings.command(String(name), Array.prototype.slice.call(arguments, 1));
      } catch (e) {
        // Rejected commands are logged, never thrown into the page. Config problems are errors.
        var level = e && e.code === 'SHOPCUE_INVALID_CONFIG' ? 'error' : 'warn';
        log(level, [e && e.message ? e.message : '[shopcue] ' + e].concat(e && e.problems && e.problems.length ? [e.problems] : []));
        return undefined;
      }
    };
    live.loaded = true;
    // Google Consent Mode v2: gtag('consent', 'default' | 'update', {analytics_storage,
    // personalization_storage}) lands in dataLayer; mirror it into shopcue('consent', …).
    function consentMode(args) {
      var c = args && args[0] === 'consent' && args[2];
      if (!c || typeof c !== 'object') return;
      var out = {}, any = false;
      if (c.analytics_storage) { out.analytics = c.analytics_storage === 'granted'; any = true; }
      if (c.personalization_storage) { out.personalization = c.personalization_storage === 'granted'; any = true; }
      if (any) live('consent', out);
    }
    var dl = w.dataLayer;
    // Replay in order; calls made meanwhile (even during the replay) join the same queue.
    var q = stub.q || [];
    for (var i = 0; i < q.length; i++) live.apply(null, q[i]);
    stub.q = [];
    w[NAME] = live;
    try {
      if (dl && typeof dl.push === 'function' && dl.length !== undefined) {
        for (var j = 0; j < dl.length; j++) consentMode(dl[j]);
        var push = dl.push;
        dl.push = function () {
          var result = push.apply(this, arguments);
          try { for (var k = 0; k < arguments.length; k++) consentMode(arguments[k]); } catch (e) { /* never break the page */ }
          return result;
        };
      }
    } catch (e) { /* a frozen or exotic dataLayer: consent then comes from shopcue('consent', …) only */ }
  }, function (e) {
    giveUp('WebAssembly could not start (' + (e && e.message ? e.message : e) + '). ' +
      'If the page has a Content-Security-Policy, allow \'wasm-unsafe-eval\' in script-src.');
  });
})(window, 'shopcue');
