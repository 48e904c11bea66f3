//! # Shopcue core
//!
//! The pure decision core of Shopcue, the in-browser personalization widget for online stores.
//! It records what a shopper does into a local [`profile::Profile`], evaluates the marketer's
//! scenarios ([`config::Config`]) against it, arbitrates which message to show
//! ([`engine::decide`]), and queues every event and exposure for the collector
//! ([`outbox::Outbox`]).
//!
//! This crate has **no platform dependency**: no wasm-bindgen, web-sys or js-sys. Time comes in
//! as plain `now` arguments (Unix milliseconds), randomness through [`id::Entropy`], and
//! storage as JSON text. The `shopcue-wasm` crate is the browser shell around it.
//!
//! Data flows one way:
//!
//! ```text
//! event ─► Event::parse ─► Profile::apply ─► engine (context → evaluate → arbitrate) ─► Decision
//!                                                                      └─► Outbox ─► Batch
//! ```
//!
//! ```
//! use shopcue::{id::SeededEntropy, json::parse, runtime::Runtime};
//! let e = &mut SeededEntropy(1);
//! let (mut rt, _) = Runtime::new(None, None, 0, e);
//! rt.init(&parse(r#"{"site":"demo","config":"/shopcue/config.json"}"#).unwrap()).unwrap();
//! rt.set_config(&parse(r#"{"version":1,"site":"demo","locale":"en-US",
//!     "scenarios":[{"preset":"page_low_stock"}]}"#).unwrap()).unwrap();
//! rt.page_view("/product.html", 0, e);
//! rt.track("view_item", &parse(r#"{"items":[{"item_id":"t","item_name":"Tee","stock":1}]}"#).unwrap(), 1, e).unwrap();
//! assert_eq!(rt.decide(2, e)[0].decision.title, "Only 1 left: Tee");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod bench;
pub mod bucket;
pub mod capture;
pub mod case;
pub mod compiled;
pub mod condition;
pub mod config;
#[cfg(feature = "compiler")]
pub mod contrast;
pub mod engine;
pub mod error;
pub mod event;
pub mod feed;
#[cfg(feature = "compiler")]
pub mod fields;
pub mod geo;
pub mod id;
pub mod json;
pub mod map;
pub mod outbox;
pub mod profile;
pub mod regex;
pub mod runtime;
mod sort;
pub mod suggest;
pub mod template;
pub mod text;
pub mod time;
pub mod url;
#[cfg(feature = "compiler")]
pub mod zones;

pub use error::{Error, Problem};
pub use runtime::Runtime;
