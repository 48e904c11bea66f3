// pkg-config/intl.js's `traffic`: where a visit came from (visitor.session_source, _medium,
// _campaign), as the loader and the npm package tell the widget before each page view. The
// widget keeps what the page that starts a session says (src/runtime.rs tests that part).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('../../pkg-config/intl.js', import.meta.url), 'utf8');
/** `shopcueIntl.traffic(href, referrer)` in a page at `page` opened from `opener`, as three texts. */
const traffic = (href, referrer, { page = 'https://shop.example/', opener = '' } = {}) => {
  const cx = vm.createContext({ URL, location: { href: page }, document: { referrer: opener } });
  vm.runInContext(source, cx);
  cx.args = [href, referrer];
  const text = vm.runInContext('shopcueIntl.traffic.apply(null, args)', cx);
  return text === undefined ? undefined : text.split('\n');
};

test('utm_ tags win over a click id and a referrer; decoded; a tag without a medium says (not set)', () => {
  assert.deepEqual(traffic('https://s.example/?utm_source=instagram&utm_medium=paid_social&utm_campaign=winter+sale%21', ''),
    ['instagram', 'paid_social', 'winter sale!']);
  assert.deepEqual(traffic('https://s.example/?a=1&utm_campaign=%E5%86%AC&utm_source=line&gclid=x#top', 'https://www.google.com/'),
    ['line', '(not set)', '冬']);
  // A line break in a tag cannot split the three.
  assert.deepEqual(traffic('https://s.example/?utm_source=a%0Ab&utm_medium=c%0D%0Ad', ''), ['a b', 'c  d', '']);
  // Every event carries them: a tag is cut at 100 characters.
  assert.equal(traffic(`https://s.example/?utm_source=x&utm_campaign=${'c'.repeat(300)}`, '')[2], 'c'.repeat(100));
});

test('an ad\'s click id: google, bing or yahoo, cpc', () => {
  assert.deepEqual(traffic('https://s.example/p?gclid=Cj0', 'https://www.google.com/'), ['google', 'cpc', '']);
  assert.deepEqual(traffic('https://s.example/p?msclkid=9', ''), ['bing', 'cpc', '']);
  assert.deepEqual(traffic('https://s.example/p?yclid=YSS.1', 'https://search.yahoo.co.jp/'), ['yahoo', 'cpc', '']);
  assert.deepEqual(traffic('https://s.example/?utm_source=&gclid=1', ''), ['google', 'cpc', ''], 'an empty source says nothing');
});

test('a referrer: a search engine by its name, organic; another site by its host, a referral; the site itself nothing', () => {
  assert.deepEqual(traffic('https://s.example/p', 'https://www.google.co.jp/'), ['google', 'organic', '']);
  assert.deepEqual(traffic('https://s.example/p', 'https://search.yahoo.co.jp/search?p=tee'), ['yahoo', 'organic', '']);
  assert.deepEqual(traffic('https://s.example/p', 'https://duckduckgo.com/'), ['duckduckgo', 'organic', '']);
  assert.deepEqual(traffic('https://s.example/p', 'android-app://com.google.android.googlequicksearchbox/'),
    ['google', 'organic', ''], "Google's app");
  assert.deepEqual(traffic('https://s.example/p', 'https://blog.example/post'), ['blog.example', 'referral', '']);
  assert.deepEqual(traffic('https://s.example/p', 'https://googleblog.example/'), ['googleblog.example', 'referral', ''], 'a name inside a label is no search engine');
  assert.deepEqual(traffic('https://www.s.example/p', 'https://s.example/cart'), ['(direct)', '(none)', ''], 'www. or not, the same site');
  assert.deepEqual(traffic('https://s.example/p', ''), ['(direct)', '(none)', '']);
  assert.deepEqual(traffic('https://s.example/p', 'not a url'), ['(direct)', '(none)', '']);
});

test('without arguments: the page\'s own address and document.referrer', () => {
  assert.deepEqual(traffic(undefined, undefined, { page: 'https://s.example/?utm_source=mail&utm_medium=email', opener: 'https://mail.example/' }),
    ['mail', 'email', '']);
  assert.deepEqual(traffic(undefined, undefined, { page: 'https://s.example/', opener: 'https://www.bing.com/' }), ['bing', 'organic', '']);
});

test('an address that does not read, or a patched URL: undefined, never a throw', () => {
  assert.equal(traffic('not a url', ''), undefined);
  const cx = vm.createContext({ URL: function () { throw new Error('patched'); }, location: { href: 'https://s.example/' }, document: { referrer: '' } });
  vm.runInContext(source, cx);
  assert.equal(vm.runInContext('shopcueIntl.traffic()', cx), undefined);
});
