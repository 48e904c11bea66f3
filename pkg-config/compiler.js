/* The config compiler driver, shared by the loader (inlined by scripts/build-loader.mjs) and the
 * npm package (dist/npm/compiler.js). The widget calls it only for a raw config, one that was not
 * compiled where it was published: then shopcue_compile.wasm (next to the widget's wasm) is
 * fetched once and compiles in the page. The promise resolves to the compiler's JSON answer: the
 * runtime config, or {"code", "message", "problems"}; it rejects when the module cannot load. */
function shopcueCompiler(url, fetch) {
  var loading = null;
  return function compile(text) {
    loading = loading || fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ' answered HTTP ' + r.status);
      return r.arrayBuffer();
    }).then(function (b) { return WebAssembly.instantiate(b); });
    loading.catch(function () { loading = null; }); // a later raw config may try again
    return loading.then(function (m) {
      var x = m.instance.exports, bytes = new TextEncoder().encode(text);
      var ptr = x.alloc(bytes.length);
      new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
      var out = x.compile(ptr, bytes.length);
      var len = new DataView(x.memory.buffer).getUint32(out, true);
      var json = new TextDecoder().decode(new Uint8Array(x.memory.buffer, out + 4, len));
      x.dealloc(ptr, bytes.length);
      x.dealloc(out, 4 + len);
      return json;
    });
  };
}
