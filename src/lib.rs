//! Binds Bitrix24 timeline records to CRM entities through the REST method
//! `crm.timeline.bindings.bind`.
//!
//! The crate is the core of the `b24-timeline` npm package. Everything that
//! decides something (is a field valid, where does the call go, what does an
//! answer mean) lives in plain Rust modules that build and test on any host;
//! only the `wasm` module, built for `wasm32` alone, touches JavaScript.
//!
//! The flow is one way: input [`value::Value`]s → [`fields::ValidFields`] →
//! [`request::Request`] → a transport → [`response::read_bind_answer`] →
//! [`response::BindResult`] or [`error::B24Error`].
#![warn(missing_docs)]

pub mod connection;
pub mod error;
pub mod fields;
pub mod options;
pub mod request;
pub mod response;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod wasm;
