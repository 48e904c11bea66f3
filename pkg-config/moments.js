/* Moments of a page view that scenarios may be triggered on, shared by the loader (inlined by
 * scripts/build-loader.mjs) and the npm package (dist/npm/moments.js). Nothing is stored or sent
 * for them: the widget only lets the page's scenarios triggered on them fire (event::PAGE_MOMENTS
 * in the core names the ones it takes). `report(name)` hears each at most once a page view;
 * `page()` names the page view (its address without the fragment: a single-page app's next view
 * starts over). The listeners are passive and nothing here throws into the page.
 *
 *   shopcueMoments(function (name) { … 'exit_intent', 'scroll_25' … 'scroll_90' }, function () { return location.href; });
 */
function shopcueMoments(report, page) {
  function guard(f) { return function (ev) { try { f(ev); } catch (e) { /* never break the page */ } }; }
  var exitAt, scrolledAt, scrolled, frame, touch, deepest = 0, deepestAt = 0, marks = [25, 50, 75, 90], doc = document;
  try { touch = matchMedia('(pointer: coarse)').matches; } catch (e) { /* a mouse, then */ }
  function exit() { if (exitAt !== page()) { exitAt = page(); report('exit_intent'); } }
  // Exit intent with a mouse: the pointer leaves the window through its top, toward the tabs,
  // the address bar or the close button.
  doc.addEventListener('mouseout', guard(function (ev) { if (!ev.relatedTarget && ev.clientY <= 0) exit(); }));
  // How far down the page the shopper has scrolled: scroll_25 … scroll_90, each as it is first
  // passed; read once a frame at most, when the page lays out anyway. On a touch screen, where
  // no pointer leaves the window, exit intent is a quick scroll back up (a third of the screen
  // within 300 ms), as a shopper heading for the address bar or the back button does.
  addEventListener('scroll', guard(function () {
    if (scrolledAt !== page()) { scrolledAt = page(); scrolled = 0; }
    if (frame || scrolled > 3 && !touch) return;
    frame = requestAnimationFrame(guard(function () {
      frame = 0;
      var y = scrollY, now = Date.now(), seen = (y + innerHeight) / doc.documentElement.scrollHeight * 100;
      for (; scrolled < 4 && seen >= marks[scrolled]; scrolled++) report('scroll_' + marks[scrolled]);
      if (y >= deepest || now - deepestAt > 300) { deepest = y; deepestAt = now; } else if (touch && deepest - y > innerHeight / 3) exit();
    }));
  }), { passive: true });
}
