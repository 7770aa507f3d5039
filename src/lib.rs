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

pub mod attempt;
pub mod batch;
pub mod bucket;
pub mod connection;
pub mod error;
pub mod fields;
pub mod options;
pub mod request;
pub mod response;
pub mod retry;
pub mod route;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod wasm;
// Rust's default allocator is about 5 KB of the shipped module; this free-list
// allocator is under 1 KB and coalesces freed blocks, which suits the small,
// short-lived allocations of one call.
// SAFETY: the module is built without threads (no atomics target feature), so
// every allocation and free happens on the one JavaScript thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
