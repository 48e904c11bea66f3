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
    // Replay in order; calls made meanwhile (even during the replay) join the same queue.
    var q = stub.q || [];
    for (var i = 0; i < q.length; i++) live.apply(null, q[i]);
    stub.q = [];
    w[NAME] = live;
  }, function (e) {
    giveUp('WebAssembly could not start (' + (e && e.message ? e.message : e) + '). ' +
      'If the page has a Content-Security-Policy, allow \'wasm-unsafe-eval\' in script-src.');
  });
})(window, 'shopcue');
