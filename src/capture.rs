//! Automatic capture: what stores already publish, turned into Shopcue events. Pure mappings;
//! the shell only hands over what it found on the page, and [`crate::runtime::Runtime::capture`]
//! validates the result like any `track` call.
//!
//! - GA4 e-commerce pushes to `dataLayer`, in both forms: `{event: 'add_to_cart', ecommerce:
//!   {…}}` (GTM) and `gtag('event', 'add_to_cart', {…})` (an arguments list).
//! - schema.org `Product` / `ProductGroup` JSON-LD with `Offer` / `AggregateOffer`, also inside
//!   `@graph` and arrays → `view_item`.
//! - `data-shopcue-*` attributes on no-code sites (the loader reads the attributes into
//!   `{"event": "add_to_cart", "items": [{…}]}`).
//! - A store's own add-to-cart form submitted (Shopify's `/cart/add`, WooCommerce's,
//!   Magento's, BigCommerce's, EC-CUBE's; also one the theme sends itself from its button's
//!   cancelled click, as EC-CUBE's does), or WooCommerce's add button or BigCommerce's add link
//!   on a product card: the loader recognises them and hands over `{"quantity": n}`, with the
//!   product card the control sits in where it is another product's. The card's product, else
//!   the page's, is added to the cart ([`cart_form`]; [`crate::runtime::Runtime`] knows which
//!   product the page shows).
//! - The store's own cart (Shopify's `/cart.js`, カラーミーショップ's basket): what left it
//!   where Shopcue cannot see it (the platform's checkout, a cart drawer, another device) leaves
//!   Shopcue's, what it holds takes its quantity, and what it holds of viewed products Shopcue's
//!   cart lacks is an add ([`in_cart`]).

use crate::json::{object, Value};

/// GA4 e-commerce event names Shopcue takes from `dataLayer`.
pub const DATA_LAYER_EVENTS: &[&str] = &[
    "view_item",
    "view_item_list",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "add_to_wishlist",
    "begin_checkout",
    "purchase",
    "search",
];

/// Where a captured value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `dataLayer` entry.
    DataLayer,
    /// The text of a `<script type="application/ld+json">`.
    JsonLd,
    /// A `data-shopcue-*` element, read by the loader.
    Attributes,
    /// A store's add-to-cart form or a product card's add-to-cart button, used:
    /// `{"quantity": n, "card": {…}}` ([`cart_form`]).
    Form,
    /// The store's own cart, read by the loader where the platform publishes it (Shopify's
    /// `/cart.js`): `{"items": [[names of a line…, quantity], …]}` ([`in_cart`]).
    Cart,
}

impl Source {
    /// Parses the shell's name for a source.
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "datalayer" => Some(Source::DataLayer),
            "jsonld" => Some(Source::JsonLd),
            "attributes" => Some(Source::Attributes),
            "form" => Some(Source::Form),
            "cart" => Some(Source::Cart),
            _ => None,
        }
    }
}

/// Which sources a config lets in (`config.capture`; every source is on by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    /// GA4 `dataLayer` e-commerce pushes.
    pub datalayer: bool,
    /// schema.org JSON-LD products.
    pub jsonld: bool,
    /// `data-shopcue-*` attributes.
    pub attributes: bool,
    /// History API navigation counts as a page view.
    pub history: bool,
    /// A store's add-to-cart form or a product card's add button adds to the cart, and the
    /// store's own cart (Shopify's, カラーミーショップ's) keeps Shopcue's.
    pub forms: bool,
}

impl Default for Switches {
    fn default() -> Switches {
        Switches { datalayer: true, jsonld: true, attributes: true, history: true, forms: true }
    }
}

impl Switches {
    /// Whether `source` is on.
    pub fn allows(&self, source: Source) -> bool {
        match source {
            Source::DataLayer => self.datalayer,
            Source::JsonLd => self.jsonld,
            Source::Attributes => self.attributes,
            Source::Form | Source::Cart => self.forms,
        }
    }
}

/// The Shopcue event in a value found by `source`, if it holds one: `(name, params)` (a dataLayer
/// push, a `data-shopcue-track` element; JSON-LD, forms and carts need what the runtime knows).
///
/// ```
/// use shopcue::capture::{event_from, Source};
/// use shopcue::json::parse;
/// let push = parse(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"A1","price":1980}]}}"#).unwrap();
/// let (name, params) = event_from(Source::DataLayer, &push).unwrap();
/// assert_eq!(name, "add_to_cart");
/// assert_eq!(params.get_path("items.0.item_id").and_then(|v| v.as_str()), Some("A1"));
/// ```
pub fn event_from(source: Source, v: &Value) -> Option<(String, Value)> {
    match source {
        Source::DataLayer => data_layer(v),

        Source::Attributes => {
            let name = v.get("event")?.as_str()?;
            let items = v.get("items")?.clone();
            DATA_LAYER_EVENTS.contains(&name).then(|| (name.to_string(), object([("items", items)])))
        }
        // Its item is a card's or the page's, which only the runtime knows ([`json_ld`] and
        // [`cart_form`] take them); a cart's event depends on the profile.
        Source::JsonLd | Source::Form | Source::Cart => None,
    }
}

/// A store's add-to-cart form (or a product card's add-to-cart button), used: its
/// `add_to_cart` params, one item in the quantity it names (`{"quantity": n}`; one where it
/// names none, or less). The item is the card's where the loader found the control on another
/// product's card (`"card": {"item_id", "item_name", "price", "url"}`, as the card shows them; a
/// price it cannot read is left out), else the page's product (`page_item`; the profile holds
/// its other facts). `None` when there is neither.
///
/// ```
/// use shopcue::{capture::cart_form, event::Item, json::parse};
/// let knit = Item { id: "K1".into(), price: Some(8800.0), ..Item::default() };
/// let params = cart_form(&parse(r#"{"quantity":2}"#).unwrap(), Some(&knit)).unwrap();
/// assert_eq!(params.to_json(), r#"{"items":[{"item_id":"K1","price":8800,"quantity":2}]}"#);
/// // A related product's button, on the knit's page.
/// let card = parse(r#"{"card":{"item_id":"C7","item_name":"Cap","price":"¥1,980","url":"/p/cap"}}"#).unwrap();
/// let params = cart_form(&card, Some(&knit)).unwrap();
/// assert_eq!(params.to_json(), r#"{"items":[{"item_id":"C7","item_name":"Cap","price":1980,"url":"/p/cap","quantity":1}]}"#);
/// assert!(cart_form(&parse("{}").unwrap(), None).is_none()); // a listing's form on no card
/// ```
pub fn cart_form(v: &Value, page_item: Option<&crate::event::Item>) -> Option<Value> {
    let quantity = v.get("quantity").and_then(Value::as_f64).filter(|q| *q >= 1.0).unwrap_or(1.0);
    let item = match (v.get("card").filter(|c| c.get("item_id").is_some()), page_item) {
        (Some(card), _) => {
            let mut item = card.clone();
            item.set("price", card.get("price").and_then(|p| crate::event::parse_amount(p).ok()).into());
            item.set("quantity", quantity.into());
            item
        }
        (None, Some(item)) => added(item, quantity),
        (None, None) => return None,
    };
    Some(object([("items", Value::Array(vec![item]))]))
}

/// An `add_to_cart` item as the profile knows it: `item`'s id and price, in `quantity`.
pub fn added(item: &crate::event::Item, quantity: f64) -> Value {
    object([("item_id", item.id.as_str().into()), ("price", item.price.into()), ("quantity", quantity.into())])
}

/// How many of an item of Shopcue's cart the store's own cart holds, whose `lines` each list
/// the names the line goes by, as texts, and its quantity, a number (Shopify's `/cart.js`: its
/// product id, variant id, sku, handle and link; カラーミーショップ's basket: its id and
/// `?pid=<id>`): the quantities of the lines the item is one of — its id is one of their names,
/// or its link names the same product page (`/products/<handle>`, whatever the host, locale or
/// query; `?pid=<id>`, whatever the other parameters) —, 0 when it is in none. `None`
/// where that cannot be told: an item with another id and no product page link, in a cart that
/// holds anything (it keeps its quantity), or a line that gives none. An empty cart holds nothing.
///
/// ```
/// use shopcue::{capture::in_cart, event::Item, json::parse};
/// let lines = parse(r#"[["7001", "41", "", "knit", "/products/knit?variant=41", 1],
///                       ["7001", "42", "", "knit", "/products/knit?variant=42", 2]]"#).unwrap();
/// let lines = lines.as_array().unwrap();
/// let by_id = Item { id: "7001".into(), ..Item::default() };
/// let by_link = Item { id: "K-1".into(), url: Some("https://shop.example/ja/products/knit".into()), ..Item::default() };
/// let variant = Item { id: "42".into(), ..Item::default() };
/// let gone = Item { id: "K-2".into(), url: Some("https://shop.example/products/cap".into()), ..Item::default() };
/// let unknown = Item { id: "GTM-9".into(), ..Item::default() };
/// assert_eq!([in_cart(&by_id, lines), in_cart(&by_link, lines), in_cart(&variant, lines)], [Some(3.0), Some(3.0), Some(2.0)]);
/// assert_eq!([in_cart(&gone, lines), in_cart(&unknown, lines), in_cart(&unknown, &[])], [Some(0.0), None, Some(0.0)]);
/// // カラーミーショップ's basket: each line's id and product page.
/// let basket = parse(r#"[["170", "?pid=170", 2]]"#).unwrap();
/// let stole = Item { id: "170".into(), url: Some("https://shop.example/?pid=170&cbid=3".into()), ..Item::default() };
/// let scarf = Item { id: "171".into(), url: Some("https://shop.example/?pid=171".into()), ..Item::default() };
/// assert_eq!([in_cart(&stole, basket.as_array().unwrap()), in_cart(&scarf, basket.as_array().unwrap())], [Some(2.0), Some(0.0)]);
/// ```
pub fn in_cart(item: &crate::event::Item, lines: &[Value]) -> Option<f64> {
    let own = item_page(item);
    let mut held = 0.0;
    let mut found = false;
    for line in lines {
        let line = line.as_array().unwrap_or_default();
        let mut names = line.iter().filter_map(Value::as_str);
        if names.any(|name| !name.is_empty() && (name == item.id || own.is_some() && product_page(name) == own)) {
            held += line.iter().find_map(Value::as_f64)?;
            found = true;
        }
    }
    // An item known by another id and with no product page link (a tag manager's push, say)
    // cannot be told apart from the lines: it stays while the cart holds anything.
    (found || own.is_some() || lines.is_empty()).then_some(held)
}

/// The product page `item` links to ([`product_page`]).
pub(crate) fn item_page(item: &crate::event::Item) -> Option<&str> {
    item.url.as_deref().and_then(product_page)
}

/// The product page a link names: Shopify's `/products/<handle>`, without the host, a locale
/// before it or the query after it; カラーミーショップ's `?pid=<id>` (`pid=<id>`), without the
/// other parameters. A handle with a dot is a script whose query names the product (EC-CUBE 2's
/// `/products/detail.php?product_id=5`), no page of one product: none.
fn product_page(link: &str) -> Option<&str> {
    use crate::text::{before, find};
    match find(link, "/products/") {
        Some(at) => Some(before(&link[at..], b'?')).filter(|page| page.bytes().all(|b| b != b'.')),
        None => find(link, "?pid=").or_else(|| find(link, "&pid=")).map(|at| before(&link[at + 1..], b'&')),
    }
}

/// A GA4 e-commerce push: `{event, ecommerce}` or `['event', name, params]`. Other pushes
/// (consent, config, page events, the `{ecommerce: null}` reset) give `None`.
pub fn data_layer(v: &Value) -> Option<(String, Value)> {
    let (name, params) = match v {
        Value::Array(args) => {
            if args.first()?.as_str()? != "event" {
                return None;
            }
            (args.get(1)?.as_str()?, args.get(2).cloned().unwrap_or(Value::Object(Vec::new())))
        }
        _ => (v.get("event")?.as_str()?, v.get("ecommerce").filter(|e| e.as_object().is_some())?.clone()),
    };
    DATA_LAYER_EVENTS.contains(&name).then(|| (name.to_string(), params))
}

/// The schema.org product a JSON-LD document (an object, an array, or a `@graph`; or the
/// documents of a page, as an array) describes, as `view_item` params: the first one with an
/// offer, else the first. `None` when there is no product with an id, or when products with
/// offers have more than one id: a listing that marks up each card, none of them viewed. (A
/// review app's second `Product` for the same item has no offer.) Products of one group are
/// variants of the product on the page, not a listing's cards: those naming the same
/// `inProductGroupWithID` or `isVariantOf`, and those a `ProductGroup` lists by reference
/// (`"hasVariant": [{"@id": …}]`). `link` is the page's address (without the tags of a campaign):
/// of a product's variants, the one whose offer links to it (Shopify's `?variant=…`, as an ad
/// or a shared link opens a product page) gives the price and stock, and, priced apart from
/// the variant the page shows first, its own id. A product with an offer but
/// no id, sku or link of its own (as Next.js Commerce writes it) is named by `page`, the page's
/// own address as a product's id, where one is given; two of them with different names are a
/// listing too.
///
/// ```
/// use shopcue::{capture::json_ld, json::parse};
/// let ld = parse(r#"{"@type": "ProductGroup", "productGroupID": "7001", "hasVariant": [
///   {"@type": "Product", "sku": "TEE-S", "offers": {"price": "25.00", "url": "https://shop.example/products/tee?variant=1"}},
///   {"@type": "Product", "sku": "TEE-M", "offers": {"price": "27.00", "url": "https://shop.example/products/tee?variant=2"}}]}"#).unwrap();
/// let price = |link: &str| json_ld(&ld, "", link).unwrap().get_path("items.0.price").and_then(|p| p.as_str()).map(str::to_string);
/// assert_eq!(price("https://shop.example/products/tee").as_deref(), Some("25.00"));
/// assert_eq!(price("https://shop.example/products/tee?variant=2&_pos=1").as_deref(), Some("27.00"));
/// // Priced apart from the variant shown first, the variant is an item of its own.
/// let id = |link: &str| json_ld(&ld, "", link).unwrap().get_path("items.0.item_id").and_then(|p| p.as_str()).map(str::to_string);
/// let (first, m) = (id("https://shop.example/products/tee"), id("https://shop.example/products/tee?variant=2"));
/// assert_eq!((first.as_deref(), m.as_deref()), (Some("7001"), Some("TEE-M")));
/// ```
pub fn json_ld(doc: &Value, page: &str, link: &str) -> Option<Value> {
    // Each variant a group lists by reference, with the group.
    let mut listed: Vec<(&Value, &Value)> = Vec::new();
    visit(doc, 0, &mut |node| {
        if has_type(node, "ProductGroup") {
            let refs = node.get("hasVariant").and_then(Value::as_array).unwrap_or_default();
            listed.extend(refs.iter().filter_map(|v| v.get("@id")).map(|id| (id, node)));
        }
    });
    let mut found: Option<(Value, bool, Option<&Value>)> = None;
    let mut listing = false;
    visit(doc, 0, &mut |node| {
        if !(has_type(node, "Product") || has_type(node, "ProductGroup")) {
            return;
        }
        let offered = offers_of(node).is_some();
        let Some(p) = product(node, page, link) else { return };
        let group = group_of(node, &listed);
        match &found {
            Some((first, true, first_group)) => {
                let (id, name) = ("items.0.item_id", "items.0.item_name");
                let other = first.at_path(id) != p.at_path(id)
                    || (p.at_path(id).as_str() == Some(page) && first.at_path(name) != p.at_path(name));
                listing |= offered && other && (group.is_none() || group != *first_group)
            }
            Some((_, false, _)) if !offered => {}
            _ => found = Some((p, offered, group)),
        }
    });
    found.filter(|_| !listing).map(|p| p.0)
}

/// The product group `node` is a variant of, if it says so or a group lists it.
fn group_of<'a>(node: &'a Value, listed: &[(&'a Value, &'a Value)]) -> Option<&'a Value> {
    node.get("inProductGroupWithID")
        .or_else(|| node.get("isVariantOf"))
        .or_else(|| listed.iter().find(|(id, _)| node.get("@id") == Some(*id)).map(|(_, group)| *group))
}

fn visit<'a>(v: &'a Value, depth: usize, f: &mut dyn FnMut(&'a Value)) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(list) => list.iter().for_each(|x| visit(x, depth + 1, f)),
        Value::Object(_) => {
            f(v);
            // A graph's nodes, or the product a page names as its main entity (`ItemPage`).
            if let Some(inner) = v.get("@graph").or_else(|| v.get("mainEntity")) {
                visit(inner, depth + 1, f);
            }
        }
        _ => {}
    }
}

fn has_type(node: &Value, t: &str) -> bool {
    let is = |x: &Value| {
        x.as_str().is_some_and(|s| {
            s == t || s.strip_prefix("http://schema.org/") == Some(t) || s.strip_prefix("https://schema.org/") == Some(t)
        })
    };
    match node.get("@type") {
        Some(Value::Array(types)) => types.iter().any(is),
        Some(x) => is(x),
        None => false,
    }
}

/// A string field, or the first element of a list, or an object's `contentUrl` (a
/// `MediaObject`'s, as Wix writes a product's images), else its `name`, `url` or `@id`.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(crate::json::Value::Number(*n).to_json()),
        Value::Array(list) => text(list.first()),
        o @ Value::Object(_) => {
            text(o.get("contentUrl").or_else(|| o.get("name")).or_else(|| o.get("url")).or_else(|| o.get("@id")))
        }
        _ => None,
    }
}

/// A product's `offers`, or its `Offers` as Wix writes them (its offers' `Availability` too).
fn offers_of(node: &Value) -> Option<&Value> {
    node.get("offers").or_else(|| node.get("Offers"))
}

fn product(node: &Value, page: &str, link: &str) -> Option<Value> {
    let own_id = ["sku", "productID", "productGroupID", "gtin13", "gtin", "mpn", "@id"].iter().find_map(|k| text(node.get(k)));
    let (first, offer, variant) = pick(node, &own_id, link);
    let usual = pick(node, &own_id, "").1;
    let offers = offers_of(node).or_else(|| offers_of(variant?));
    // Without an id of its own (a Shopify product whose variants have no SKU at the product
    // level), its first offer's sku, else its URL, else its first offer's (EC-CUBE's products
    // without a product code): the same product on every page, whatever is in stock. Offered
    // with none of them (Next.js Commerce), it is the page's product: the page's address.
    let id = own_id
        .or_else(|| first.and_then(|o| text(o.get("sku"))))
        .or_else(|| text(node.get("url")))
        .or_else(|| first.and_then(|o| text(o.get("url"))))
        .or_else(|| (offers.is_some() && !page.is_empty()).then(|| page.to_string()))?;
    // A variant the address selects that is priced apart from the one shown first is an item
    // of its own (its sku, else its offer's URL): under the product's id, the shopper's price
    // history would mix two variants' prices, and their gap read as a price drop.
    let apart = offer.map(offer_price) != usual.map(offer_price);
    let own = |v: &Value| text(v.get("sku")).or_else(|| text(v.get("url")));
    let id = match apart {
        true => variant.and_then(own).or_else(|| own(offer?)).unwrap_or(id),
        false => id,
    };
    let mut item = vec![("item_id".to_string(), Value::String(id))];
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            item.push((k.to_string(), v));
        }
    };
    put("item_name", text(node.get("name")).map(Value::String));
    put("item_brand", text(node.get("brand")).map(Value::String));
    put("item_category", text(node.get("category")).map(Value::String));
    put("image", text(node.get("image")).map(Value::String));
    // The product's own URL, else its offer's (`Offer.url`); the runtime falls back on the page.
    put("url", text(node.get("url")).or_else(|| offer.and_then(|o| text(o.get("url")))).map(Value::String));
    let mut currency = None;
    if let Some(o) = offer {
        // Its price ([`offer_price`]), a number or a price string passed on as written: the
        // runtime reads it as it reads any captured event, and leaves one that reads as no
        // amount ("", "Call for price", "1.980": 1.98 or 1,980?) out of the view, not the whole
        // view, naming it under `debug`. The currency from the offer, else from its
        // `priceSpecification`.
        put("price", offer_price(o).cloned());
        let spec = current_price(o);
        currency = text(o.get("priceCurrency")).or_else(|| text(spec?.get("priceCurrency")));
        put("currency", currency.clone().map(Value::String));
        put("stock", stock(o));
    }
    let mut params = vec![("items".to_string(), Value::Array(vec![Value::Object(item)]))];
    if let Some(c) = currency {
        params.insert(0, ("currency".to_string(), Value::String(c)));
    }
    Some(Value::Object(params))
}

/// Of a product `node` (with `own_id`) on the page at `link`: its first offer, the offer whose
/// price and stock are the page's, and, a group's, the variant that offer is of. The variant
/// the address selects (Shopify's `?variant=…`, as an ad's link opens it) is the one on the
/// page; else a variant that is not sold out is what a product page shows first (Shopify's
/// themes: the first available variant), so its price and stock are the product's. With one
/// offer per variant (Shopify's themes), the one whose sku the product names (the variant the
/// page was rendered with) comes first, and is the page's unless the address selects another
/// (a variant chosen on the page, which leaves the JSON-LD as it was).
fn pick<'a>(node: &'a Value, own_id: &Option<String>, link: &str) -> (Option<&'a Value>, Option<&'a Value>, Option<&'a Value>) {
    let selected = |o: &&Value| on_page(o, link);
    let on_sale = |o: &&Value| stock(o) != Some(Value::Number(0.0));
    // A group's offers sit on its variants.
    let variants = node.get("hasVariant").and_then(Value::as_array).unwrap_or_default();
    let variant = |f: &dyn Fn(&&Value) -> bool| variants.iter().find(|v| offers_of(v).is_some_and(|o| f(&o)));
    let chosen = variant(&selected).or_else(|| variant(&on_sale)).or(variants.first()).filter(|_| offers_of(node).is_none());
    match offers_of(node).or_else(|| offers_of(chosen?)) {
        Some(Value::Array(list)) => {
            let named = list.iter().find(|o| own_id.is_some() && text(o.get("sku")) == *own_id);
            let offer = list.iter().find(selected).or(named).or_else(|| list.iter().find(on_sale)).or(list.first());
            (named.or(list.first()), offer, chosen)
        }
        other => (other, other, chosen),
    }
}

/// An offer's price: `price`, else the current price its `priceSpecification` gives (the only
/// price WooCommerce ≥ 9.6 writes), else a range's lowest (`lowPrice`, or `minPrice` as
/// BigCommerce's Cornerstone theme writes a range on its Offer; a specification may).
fn offer_price(offer: &Value) -> Option<&Value> {
    fn lowest(v: &Value) -> Option<&Value> {
        v.get("price").or_else(|| v.get("lowPrice")).or_else(|| v.get("minPrice"))
    }
    offer.get("price").or_else(|| lowest(current_price(offer)?)).or_else(|| lowest(offer))
}

/// Whether `offer` links to the page at `link`: its URL's query is one of the page's
/// parameters (`?variant=2` on `…/tee?variant=2&_pos=1`).
fn on_page(offer: &Value, link: &str) -> bool {
    use crate::text::{split, split_once};
    fn query(url: &str) -> &str {
        split_once(url, b'?').map_or("", |(_, q)| q)
    }
    let own = query(offer.get("url").and_then(Value::as_str).unwrap_or_default());
    !own.is_empty() && split(query(link), b'&').any(|p| p == own)
}

/// The offer's current price in its `priceSpecification` (one or a list): the first with no
/// `priceType`, or a `SalePrice`. Google's sale-pricing markup gives the price a sale is taken off
/// as a `ListPrice` or `StrikethroughPrice`; an `MSRP` or `SRP` is no more what the shopper pays.
fn current_price(offer: &Value) -> Option<&Value> {
    let spec = offer.get("priceSpecification")?;
    let specs = spec.as_array().unwrap_or(std::slice::from_ref(spec));
    specs.iter().find(|s| s.get("priceType").and_then(Value::as_str).is_none_or(|k| k.ends_with("SalePrice")))
}

/// Stock from `inventoryLevel` (a number or a `QuantitativeValue`; as a number or as text, which
/// is how microdata's `content` gives it), else 0 for sold-out availabilities; unknown otherwise
/// (`InStock` says nothing about how many).
fn stock(offer: &Value) -> Option<Value> {
    let level = match offer.get("inventoryLevel") {
        Some(q @ Value::Object(_)) => q.get("value"),
        other => other,
    };
    if let Some(n) = level.and_then(|v| crate::event::parse_amount(v).ok()) {
        return Some(Value::Number(n));
    }
    let availability = text(offer.get("availability").or_else(|| offer.get("Availability")))?;
    let name = &availability[availability.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1)..];
    matches!(name, "OutOfStock" | "SoldOut" | "Discontinued").then_some(Value::Number(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// A captured price as the runtime reads it (json_ld passes prices on as written).
    fn amount(v: Option<&Value>) -> Option<f64> {
        v.and_then(|v| crate::event::parse_amount(v).ok())
    }

    fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
        v.get_path(path)
    }

    #[test]
    fn gtm_and_gtag_pushes_map_to_events_and_the_rest_is_ignored() {
        let gtm = parse(
            r#"{"event":"purchase","ecommerce":{"transaction_id":"T1","value":3960,"currency":"JPY","items":[{"item_id":"A"}]}}"#,
        )
        .unwrap();
        let (name, params) = data_layer(&gtm).unwrap();
        assert_eq!((name.as_str(), get(&params, "transaction_id").and_then(Value::as_str)), ("purchase", Some("T1")));
        let gtag = parse(r#"["event","view_item",{"currency":"JPY","items":[{"item_id":"B","price":"¥1,980"}]}]"#).unwrap();
        assert_eq!(data_layer(&gtag).unwrap().0, "view_item");
        let cart =
            parse(r#"{"event":"view_cart","ecommerce":{"currency":"JPY","items":[{"item_id":"A","quantity":2}]}}"#).unwrap();
        assert_eq!(data_layer(&cart).unwrap().0, "view_cart", "the cart page's list of what the cart holds");
        for other in [
            r#"{"ecommerce":null}"#,
            r#"{"event":"gtm.js","gtm.start":1}"#,
            r#"["consent","default",{"analytics_storage":"denied"}]"#,
            r#"["event","page_view",{}]"#,
            r#"{"event":"add_to_cart"}"#,
            r#"["config","G-XXXX"]"#,
            r#"42"#,
        ] {
            assert_eq!(data_layer(&parse(other).unwrap()), None, "{other}");
        }
    }

    #[test]
    fn json_ld_products_in_graphs_arrays_and_groups() {
        let doc = parse(
            r#"{"@context":"https://schema.org","@graph":[{"@type":"BreadcrumbList"},
              {"@type":"Product","sku":"LS-01","name":"リネンシャツ","brand":{"@type":"Brand","name":"Kinari"},
               "image":["https://shop.example/a.jpg"],"category":"shirts",
               "offers":{"@type":"Offer","price":"6980","priceCurrency":"JPY","availability":"https://schema.org/LimitedAvailability",
                         "inventoryLevel":{"@type":"QuantitativeValue","value":2}}}]}"#,
        )
        .unwrap();
        let p = json_ld(&doc, "", "").unwrap();
        assert_eq!(get(&p, "currency").and_then(Value::as_str), Some("JPY"));
        let item = get(&p, "items.0").unwrap();
        assert_eq!(item.get("item_id").and_then(Value::as_str), Some("LS-01"));
        assert_eq!(item.get("item_brand").and_then(Value::as_str), Some("Kinari"));
        assert_eq!(item.get("image").and_then(Value::as_str), Some("https://shop.example/a.jpg"));
        assert_eq!(amount(item.get("price")), Some(6980.0), "price strings read as amounts");
        assert_eq!(item.get("stock").and_then(Value::as_f64), Some(2.0));
        assert_eq!(item.get("url"), None, "no URL on the product or its offer");

        let offer_url =
            parse(r#"{"@type":"Product","sku":"U1","offers":{"@type":"Offer","price":100,"url":"https://shop.example/p/u1"}}"#)
                .unwrap();
        let item = get(&json_ld(&offer_url, "", "").unwrap(), "items.0").cloned().unwrap();
        assert_eq!(item.get("url").and_then(Value::as_str), Some("https://shop.example/p/u1"), "Offer.url");

        let list = parse(
            r#"[{"@type":"WebPage"},{"@type":["Product","Thing"],"productID":"X","offers":[{"@type":"AggregateOffer","lowPrice":980,
               "priceCurrency":"JPY","availability":"http://schema.org/OutOfStock"}]}]"#,
        )
        .unwrap();
        let item = get(&json_ld(&list, "", "").unwrap(), "items.0").cloned().unwrap();
        assert_eq!((amount(item.get("price")), item.get("stock").and_then(Value::as_f64)), (Some(980.0), Some(0.0)));

        let group = parse(
            r#"{"@type":"ProductGroup","productGroupID":"G1","name":"Tee","hasVariant":[{"@type":"Product","sku":"G1-M",
               "offers":{"price":1980,"priceCurrency":"JPY","availability":"https://schema.org/InStock"}}]}"#,
        )
        .unwrap();
        let item = get(&json_ld(&group, "", "").unwrap(), "items.0").cloned().unwrap();
        assert_eq!(item.get("item_id").and_then(Value::as_str), Some("G1"));
        assert_eq!(amount(item.get("price")), Some(1980.0));
        assert_eq!(item.get("stock"), None, "InStock says nothing about how many");

        let page = parse(
            r#"{"@context":"https://schema.org","@type":"ItemPage","name":"Tee","mainEntity":{"@type":"Product","sku":"M1",
               "offers":{"@type":"Offer","price":1200,"priceCurrency":"JPY"}}}"#,
        )
        .unwrap();
        assert_eq!(
            get(&json_ld(&page, "", "").unwrap(), "items.0.item_id").and_then(Value::as_str),
            Some("M1"),
            "a page's mainEntity"
        );

        assert_eq!(json_ld(&parse(r#"{"@type":"Product","name":"no id"}"#).unwrap(), "", ""), None);
        assert_eq!(json_ld(&parse(r#"{"@type":"Organization","name":"Shop"}"#).unwrap(), "", ""), None);
    }

    /// Shopify's themes: one offer per variant, each with its sku and availability; the product
    /// names the variant on the page by its sku, or has no sku at all (variants without SKUs).
    #[test]
    fn json_ld_products_with_an_offer_per_variant() {
        let offers = r#""offers":[
            {"@type":"Offer","sku":"TEE-S","availability":"http://schema.org/InStock","price":"25.00","priceCurrency":"USD","url":"https://shop.example/products/tee?variant=1"},
            {"@type":"Offer","sku":"TEE-M","availability":"http://schema.org/OutOfStock","price":"27.00","priceCurrency":"USD","url":"https://shop.example/products/tee?variant=2"}]"#;
        let item = |json: &str| get(&json_ld(&parse(json).unwrap(), "", "").unwrap(), "items.0").cloned().unwrap();
        let named = item(&format!(r#"{{"@type":"Product","name":"Tee","sku":"TEE-M",{offers}}}"#));
        assert_eq!(named.get("item_id").and_then(Value::as_str), Some("TEE-M"));
        assert_eq!(
            (amount(named.get("price")), named.get("stock").and_then(Value::as_f64)),
            (Some(27.0), Some(0.0)),
            "the offer of the variant the product names"
        );
        let no_sku = item(&format!(r#"{{"@type":"Product","name":"Tee","url":"https://shop.example/products/tee",{offers}}}"#));
        assert_eq!(no_sku.get("item_id").and_then(Value::as_str), Some("TEE-S"), "the first offer's sku");
        assert_eq!(amount(no_sku.get("price")), Some(25.0));
        // Opened at a variant's address (an ad's link): that variant's price and stock, and
        // priced apart from the variant shown first, its own id (its price history is its own).
        let doc = parse(&format!(r#"{{"@type":"Product","name":"Tee",{offers}}}"#)).unwrap();
        let at = |link: &str| {
            let v = get(&json_ld(&doc, "", link).unwrap(), "items.0").cloned().unwrap();
            (v.get("item_id").cloned(), v.get("price").cloned(), v.get("stock").cloned())
        };
        assert_eq!(
            at("https://shop.example/products/tee?variant=2"),
            (Some("TEE-M".into()), Some("27.00".into()), Some(0.0.into()))
        );
        // Priced as the first, the product's id.
        let same = parse(&format!(r#"{{"@type":"Product","name":"Tee",{}}}"#, offers.replace("27.00", "25.00"))).unwrap();
        let id = |link: &str| get(&json_ld(&same, "", link).unwrap(), "items.0.item_id").cloned();
        assert_eq!(id("https://shop.example/products/tee?variant=2"), Some("TEE-S".into()));
        assert_eq!(at("https://shop.example/products/tee?_pos=1&variant=2"), at("https://shop.example/products/tee?variant=2"));
        for other in [
            "https://shop.example/products/tee",
            "https://shop.example/products/tee?variant=22",
            "https://shop.example/products/tee?",
        ] {
            assert_eq!(at(other), (Some("TEE-S".into()), Some("25.00".into()), None), "{other}");
        }
        let no_skus = item(
            r#"{"@type":"Product","name":"Tee","url":"https://shop.example/products/tee",
                "offers":[{"@type":"Offer","price":"25.00","priceCurrency":"USD"}]}"#,
        );
        assert_eq!(no_skus.get("item_id").and_then(Value::as_str), Some("https://shop.example/products/tee"), "its URL");
        // EC-CUBE 4.2's JSON-LD for a product without a product code: its offer's URL.
        let no_code = item(
            r#"{"@type":"Product","name":"ケーキ","offers":{"@type":"Offer","url":"https://shop.example/products/detail/9","price":1650,"availability":"InStock"}}"#,
        );
        assert_eq!(no_code.get("item_id").and_then(Value::as_str), Some("https://shop.example/products/detail/9"));
        // The first variant sold out: the first on sale gives the price and stock (what the page
        // shows), the first its id (the same whatever is in stock).
        let sold_first = offers.replace("InStock", "Was").replace("OutOfStock", "InStock").replace("Was", "OutOfStock");
        let no_sku = item(&format!(r#"{{"@type":"Product","name":"Tee",{sold_first}}}"#));
        let facts = |v: &Value| (v.get("item_id").cloned(), v.get("price").cloned(), v.get("stock").cloned());
        assert_eq!(facts(&no_sku), (Some("TEE-S".into()), Some("27.00".into()), None));
        // A group whose first variant is sold out: the first on sale.
        let group = |first: &str, second: &str| {
            let variant = |sku: &str, availability: &str, price: u32| {
                format!(
                    r#"{{"@type":"Product","sku":"{sku}","offers":{{"price":{price},"availability":"https://schema.org/{availability}"}}}}"#
                )
            };
            item(&format!(
                r#"{{"@type":"ProductGroup","productGroupID":"7001","hasVariant":[{},{}]}}"#,
                variant("S", first, 100),
                variant("M", second, 120)
            ))
        };
        assert_eq!(facts(&group("OutOfStock", "InStock")), (Some("7001".into()), Some(120.0.into()), None));
        assert_eq!(facts(&group("InStock", "InStock")), (Some("7001".into()), Some(100.0.into()), None));
        assert_eq!(
            facts(&group("SoldOut", "OutOfStock")),
            (Some("7001".into()), Some(100.0.into()), Some(0.0.into())),
            "all sold out"
        );
    }

    #[test]
    fn several_products_with_offers_are_a_listing_not_a_view() {
        let id = |json: &str| {
            json_ld(&parse(json).unwrap(), "", "").and_then(|p| p.get_path("items.0.item_id")?.as_str().map(String::from))
        };
        let card = |sku: &str| format!(r#"{{"@type":"Product","sku":"{sku}","offers":{{"price":10}}}}"#);
        assert_eq!(id(&format!(r#"{{"@graph":[{},{}]}}"#, card("A"), card("B"))), None, "a listing in one @graph");
        assert_eq!(id(&format!("[{},{}]", card("A"), card("B"))), None, "a page's scripts, each a card");
        assert_eq!(id(&format!("[{},{}]", card("A"), card("A"))), Some("A".into()), "the same product twice");
        let no_offer = r#"{"@type":"Product","@id":"/p/a#reviews","name":"A","aggregateRating":{"ratingValue":5}}"#;
        assert_eq!(id(&format!("[{no_offer},{}]", card("A"))), Some("A".into()), "the one with an offer");
        assert_eq!(id(&format!("[{},{no_offer}]", card("A"))), Some("A".into()));
        assert_eq!(id(&format!("[{no_offer}]")), Some("/p/a#reviews".into()), "alone, the one without");
        // Variants of one product, each with its offer: the first, not a listing.
        let variant = |sku: &str, link: &str| format!(r#"{{"@type":"Product","sku":"{sku}",{link},"offers":{{"price":10}}}}"#);
        let by_id = |g: &str| format!(r#""inProductGroupWithID":"{g}""#);
        assert_eq!(id(&format!("[{},{}]", variant("C-S", &by_id("C")), variant("C-M", &by_id("C")))), Some("C-S".into()));
        assert_eq!(id(&format!("[{},{}]", variant("C-S", &by_id("C")), variant("D-S", &by_id("D")))), None, "two groups' cards");
        assert_eq!(id(&format!("[{},{}]", variant("C-S", &by_id("C")), card("B"))), None);
        let of = r#""isVariantOf":{"@id":"/p/c#group"}"#;
        assert_eq!(id(&format!(r#"{{"@graph":[{},{}]}}"#, variant("C-S", of), variant("C-M", of))), Some("C-S".into()));
        // A ProductGroup that lists its variants by reference, the variants beside it (Yoast).
        let group =
            r#"{"@type":"ProductGroup","@id":"/p/c#group","name":"Coat","hasVariant":[{"@id":"/p/c#S"},{"@id":"/p/c#M"}]}"#;
        let listed = |sku: &str| format!(r#"{{"@type":"Product","@id":"/p/c#{sku}","sku":"C-{sku}","offers":{{"price":10}}}}"#);
        assert_eq!(id(&format!(r#"{{"@graph":[{group},{},{}]}}"#, listed("S"), listed("M"))), Some("C-S".into()));
        assert_eq!(id(&format!(r#"{{"@graph":[{group},{},{}]}}"#, listed("S"), card("B"))), None, "a card it does not list");
    }

    /// Next.js Commerce writes a product page's JSON-LD with no id, sku or link: it is the page's
    /// product, named by the page's address; a page of several such products is a listing.
    #[test]
    fn an_offered_product_without_an_id_is_the_page_s() {
        let product = |name: &str| {
            format!(
                r#"{{"@context":"https://schema.org","@type":"Product","name":"{name}","description":"",
                  "image":"https://cdn.example/{name}.png","offers":{{"@type":"AggregateOffer","availability":"https://schema.org/InStock",
                  "priceCurrency":"USD","highPrice":"25.0","lowPrice":"20.0"}}}}"#
            )
        };
        let page = "https://shop.example/product/acme-shirt";
        let one = parse(&product("Acme Shirt")).unwrap();
        let p = json_ld(&one, page, "").unwrap();
        assert_eq!(p.at_path("items.0.item_id").as_str(), Some(page));
        assert_eq!(amount(p.get_path("items.0.price")), Some(20.0));
        assert_eq!(json_ld(&one, "", ""), None, "no page given: no id");
        // The same product twice (a second script) is one; two products are a listing's cards.
        let twice = parse(&format!("[{},{}]", product("Acme Shirt"), product("Acme Shirt"))).unwrap();
        assert_eq!(json_ld(&twice, page, "").unwrap().at_path("items.0.item_id").as_str(), Some(page));
        let two = parse(&format!("[{},{}]", product("Acme Shirt"), product("Acme Cap"))).unwrap();
        assert_eq!(json_ld(&two, page, ""), None);
        // Without an offer it is not sold here (a review's product): no view.
        assert_eq!(json_ld(&parse(r#"{"@type":"Product","name":"no id"}"#).unwrap(), page, ""), None);
    }

    /// Wix Stores capitalises `Offers` and `Availability`, and gives images as `ImageObject`s
    /// with a `contentUrl`.
    #[test]
    fn a_product_as_wix_writes_it() {
        let wix = parse(
            r#"{"@context":"https://schema.org/","@type":"Product","sku":"364215376135191","name":"Linen Shirt",
              "description":"","image":[{"@type":"ImageObject","contentUrl":"https://static.wixstatic.com/media/a.jpg",
              "width":1000,"height":1000,"representativeOfPage":true}],"brand":{"@type":"Brand","name":"Kinari"},
              "Offers":{"@type":"Offer","url":"https://shop.example/product-page/linen-shirt","priceCurrency":"JPY",
              "price":"4800","Availability":"https://schema.org/OutOfStock","seller":{"@type":"Organization","name":"Kinari"}}}"#,
        )
        .unwrap();
        let p = json_ld(&wix, "", "").unwrap();
        let item = get(&p, "items.0").unwrap();
        let field = |k: &str| item.get(k).map(|v| v.as_str().map_or_else(|| v.to_json(), str::to_string));
        assert_eq!(field("price").as_deref(), Some("4800"));
        assert_eq!(field("currency").as_deref(), Some("JPY"));
        assert_eq!(field("stock").as_deref(), Some("0"), "OutOfStock, written Availability");
        assert_eq!(field("image").as_deref(), Some("https://static.wixstatic.com/media/a.jpg"));
        assert_eq!(field("url").as_deref(), Some("https://shop.example/product-page/linen-shirt"));
        assert_eq!(field("item_brand").as_deref(), Some("Kinari"));
    }

    #[test]
    fn stock_levels_written_as_text_are_read() {
        let stock = |level: &str| {
            let json = format!(
                r#"{{"@type":"Product","sku":"A","offers":{{"@type":"Offer","price":"10","inventoryLevel":{level},
                "availability":"https://schema.org/InStock"}}}}"#
            );
            get(&json_ld(&parse(&json).unwrap(), "", "").unwrap(), "items.0.stock").and_then(Value::as_f64)
        };
        // Microdata gives every value as text: <meta itemprop="value" content="3">.
        assert_eq!(stock(r#"{"@type":"QuantitativeValue","value":"3"}"#), Some(3.0));
        assert_eq!(stock(r#"{"@type":"QuantitativeValue","value":2}"#), Some(2.0));
        assert_eq!(stock(r#""12""#), Some(12.0));
        assert_eq!(stock("0"), Some(0.0));
        // Not a count: unknown, as InStock says nothing about how many.
        for level in [r#""many""#, "-1", r#"{"@type":"QuantitativeValue"}"#, "true"] {
            assert_eq!(stock(level), None, "{level}");
        }
    }

    /// WooCommerce (since 9.6) and Google's sale-pricing markup give the price only in the offer's
    /// `priceSpecification`: the current price, and on sale the price taken off as a `ListPrice`.
    #[test]
    fn prices_only_in_a_price_specification_are_read() {
        let price_of = |offer: &str| {
            let json = format!(r#"{{"@type":"Product","sku":"W-1","offers":[{offer}]}}"#);
            let p = json_ld(&parse(&json).unwrap(), "", "").unwrap();
            let item = get(&p, "items.0").unwrap();
            let price = item.get("price").and_then(|v| crate::event::parse_amount(v).ok());
            (price, get(&p, "currency").and_then(Value::as_str).map(str::to_string))
        };
        let spec = |price: &str, kind: &str| {
            let kind = if kind.is_empty() { String::new() } else { format!(r#","priceType":"{kind}""#) };
            format!(
                r#"{{"@type":"UnitPriceSpecification","price":"{price}","priceCurrency":"JPY"{kind},"valueAddedTaxIncluded":true}}"#
            )
        };
        let offer = |specs: &str| {
            format!(r#"{{"@type":"Offer","priceSpecification":{specs},"availability":"https://schema.org/InStock"}}"#)
        };
        let jpy = Some("JPY".to_string());
        // A simple product at its regular price: one specification.
        assert_eq!(price_of(&offer(&format!("[{}]", spec("3000", "")))), (Some(3000.0), jpy.clone()));
        // On sale: the sale price first, the regular one as the list price.
        let on_sale = format!("[{},{}]", spec("2400", ""), spec("3000", "https://schema.org/ListPrice"));
        assert_eq!(price_of(&offer(&on_sale)), (Some(2400.0), jpy.clone()));
        // The list price first (Google's example), named by a bare term; a single object.
        let list_first = format!("[{},{}]", spec("3000", "StrikethroughPrice"), spec("2400", ""));
        assert_eq!(price_of(&offer(&list_first)), (Some(2400.0), jpy.clone()));
        assert_eq!(price_of(&offer(&spec("1980", ""))), (Some(1980.0), jpy.clone()));
        // A variable product on sale: the lowest sale price over the lowest regular one.
        let aggregate = format!(
            r#"{{"@type":"AggregateOffer","lowPrice":"3000","highPrice":"5000","offerCount":3,"priceSpecification":[{}]}}"#,
            spec("2500", "https://schema.org/SalePrice")
        );
        assert_eq!(price_of(&aggregate), (Some(2500.0), jpy.clone()));
        // Only a list price: no current price given.
        assert_eq!(price_of(&offer(&spec("3000", "https://schema.org/ListPrice"))), (None, None));
        // BigCommerce (Cornerstone) writes a price range as an Offer's minPrice and maxPrice.
        let range = r#"{"@type":"Offer","priceCurrency":"USD","minPrice":"12.5","maxPrice":"20","availability":"https://schema.org/InStock"}"#;
        assert_eq!(price_of(range), (Some(12.5), Some("USD".to_string())));
        let spec_range = r#"{"@type":"Offer","priceSpecification":{"minPrice":"99","maxPrice":"179","priceCurrency":"USD"}}"#;
        assert_eq!(price_of(spec_range), (Some(99.0), Some("USD".to_string())));
        // A price that reads as no amount is passed on as written, for the runtime to leave out
        // (and name under debug); the product is still viewed.
        for unreadable in [r#""""#, r#""Call for price""#, r#""1.980""#] {
            let offer = format!(r#"{{"@type":"Offer","price":{unreadable},"priceCurrency":"JPY"}}"#);
            assert_eq!(price_of(&offer), (None, jpy.clone()), "{unreadable}");
            let json = format!(r#"{{"@type":"Product","sku":"W-1","offers":{offer}}}"#);
            let item = json_ld(&parse(&json).unwrap(), "", "").unwrap();
            assert_eq!(get(&item, "items.0.price"), Some(&parse(unreadable).unwrap()));
        }
        // The offer's own price and currency come first.
        let both =
            format!(r#"{{"@type":"Offer","price":"2000","priceCurrency":"USD","priceSpecification":[{}]}}"#, spec("9", ""));
        assert_eq!(price_of(&both), (Some(2000.0), Some("USD".to_string())));
    }

    #[test]
    fn attributes_carry_an_event_and_items() {
        let v = parse(r#"{"event":"add_to_wishlist","items":[{"item_id":"A","price":"1,980"}]}"#).unwrap();
        assert_eq!(event_from(Source::Attributes, &v).unwrap().0, "add_to_wishlist");
        assert_eq!(event_from(Source::Attributes, &parse(r#"{"event":"alert","items":[]}"#).unwrap()), None);
    }
}
